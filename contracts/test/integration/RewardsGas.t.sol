// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardsCoordinatorFixture} from "../harnesses/RewardsCoordinatorFixture.sol";
import {IRewardsCoordinatorTypes} from "../../src/interfaces/IRewardsCoordinator.sol";

/// @notice Cheatcode outside LaminaTest's Vm: marks every storage slot of `target` cold again (EIP-2929).
interface VmCool {
    function cool(address target) external;
}

/// @title Gas figures of the rewards path for docs/gas.md: gasleft() around one external call from the test
///        contract, after marking the coordinator's and the tokens' storage cold, as GasReport.t.sol does.
/// @notice Claims are against a tree of 1000 earners (padded to 1024: a 10-sibling earner proof), each with 1 or
///         4 tokens (a 0- or 2-sibling token proof). Each claim is the earner's first claim of each token (fresh
///         `cumulativeClaimed` slots and a fresh recipient balance: the expensive case). Written to
///         snapshots/RewardsGasTest.json.
contract RewardsGasTest is RewardsCoordinatorFixture {
    uint256 internal constant EARNERS = 1000;
    VmCool internal constant VM_COOL = VmCool(VM_ADDRESS);

    function _coolAll() internal {
        VM_COOL.cool(address(rewards));
        for (uint256 t = 0; t < 4; ++t) {
            VM_COOL.cool(address(rewardTokens[t]));
        }
        VM_COOL.cool(address(strategyManager));
    }

    function _earners(uint256 tokenCount) internal view returns (Earnings[] memory all) {
        all = new Earnings[](EARNERS);
        for (uint256 i = 0; i < EARNERS; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) -- 0x10000 + i fits 160 bits
            all[i].earner = address(uint160(0x10000 + i));
            all[i].tokens = new IERC20[](tokenCount);
            all[i].cumulative = new uint256[](tokenCount);
            for (uint256 t = 0; t < tokenCount; ++t) {
                all[i].tokens[t] = _token(t);
                all[i].cumulative[t] = 1e18 + i;
            }
        }
    }

    function test_gas_createAVSRewardsSubmission() public {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submission(_token(0), 1000e18);
        rewardTokens[0].mint(avs, 1000e18);
        vm.prank(avs);
        rewardTokens[0].approve(address(rewards), 1000e18);
        _coolAll();
        vm.prank(avs);
        uint256 before = gasleft();
        rewards.createAVSRewardsSubmission(list);
        uint256 used = before - gasleft();
        vm.snapshotValue("createAVSRewardsSubmission_erc20_2_strategies", used);
        vm.snapshotValue(
            "tx_createAVSRewardsSubmission_erc20_2_strategies",
            used + _txOverhead(abi.encodeCall(rewards.createAVSRewardsSubmission, (list)))
        );
        assertEq(rewardTokens[0].balanceOf(address(rewards)), 1000e18, "locked");
    }

    function test_gas_submitRoot() public {
        vm.warp(block.timestamp + 1);
        // a previous root exists: the usual case (the array length and calculation end are non-zero already)
        vm.prank(updater);
        rewards.submitRoot(keccak256("first"), uint32(block.timestamp - 1));
        vm.warp(block.timestamp + 1 days);
        _coolAll();
        vm.prank(updater);
        uint256 before = gasleft();
        rewards.submitRoot(keccak256("second"), uint32(block.timestamp - 1));
        uint256 used = before - gasleft();
        vm.snapshotValue("submitRoot", used);
        vm.snapshotValue(
            "tx_submitRoot", used + _txOverhead(abi.encodeCall(rewards.submitRoot, (keccak256("second"), 1)))
        );
        assertEq(rewards.getDistributionRootsLength(), 2, "posted");
    }

    /// @notice 21000 + EIP-2028 calldata cost: what a direct transaction adds to the execution gas.
    function _txOverhead(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21000;
        for (uint256 i = 0; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _measureClaim(uint256 tokenCount) internal returns (uint256 used, uint256 asTx) {
        for (uint256 t = 0; t < tokenCount; ++t) {
            rewardTokens[t].mint(address(rewards), 1e21);
        }
        Earnings[] memory all = _earners(tokenCount);
        uint32 index = _postAndActivate(_root(all));
        uint256 k = 617;
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, k, index);
        _coolAll();
        vm.prank(all[k].earner);
        uint256 before = gasleft();
        rewards.processClaim(claim, all[k].earner);
        used = before - gasleft();
        asTx = used + _txOverhead(abi.encodeCall(rewards.processClaim, (claim, all[k].earner)));
        for (uint256 t = 0; t < tokenCount; ++t) {
            assertEq(rewardTokens[t].balanceOf(all[k].earner), 1e18 + k, "paid");
        }
    }

    function test_gas_processClaim_1_token() public {
        (uint256 used, uint256 asTx) = _measureClaim(1);
        vm.snapshotValue("processClaim_1_token_1000_earners", used);
        vm.snapshotValue("tx_processClaim_1_token_1000_earners", asTx);
    }

    function test_gas_processClaim_4_tokens() public {
        (uint256 used, uint256 asTx) = _measureClaim(4);
        vm.snapshotValue("processClaim_4_tokens_1000_earners", used);
        vm.snapshotValue("tx_processClaim_4_tokens_1000_earners", asTx);
    }
}
