// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {LaminaTest} from "../utils/LaminaTest.sol";
import {MiddlewareFixture} from "../harnesses/MiddlewareFixture.sol";
import {DelegationManagerMock} from "../harnesses/DelegationManagerMock.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IDelegationManager} from "../../src/interfaces/IDelegationManager.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {IStakeRegistry, IStakeRegistryErrors} from "../../src/middleware/interfaces/IStakeRegistry.sol";
import {
    IRegistryCoordinator,
    IRegistryCoordinatorErrors
} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";

/// @notice Fuzzed arithmetic of the StakeRegistry, driven directly (the test plays the coordinator and its owner):
///         histories answer every block like a naive model, minimums are inclusive, sums never wrap.
contract StakeRegistryArithmeticFuzzTest is LaminaTest {
    StakeRegistry internal registry;
    DelegationManagerMock internal delegation;
    IStrategy internal s0 = IStrategy(address(0x5000));
    IStrategy internal s1 = IStrategy(address(0x5001));
    uint256 internal constant OPS = 3;
    uint256 internal constant STEPS = 12;
    uint32 internal constant START = 10;

    /// @notice The state after the last step of a block.
    struct Record {
        uint32 blockNumber;
        uint96[OPS] stakes;
        bool[OPS] registered;
        bool[OPS] hasHistory;
    }

    function owner() external view returns (address) {
        return address(this);
    }

    function setUp() public {
        delegation = new DelegationManagerMock();
        registry = new StakeRegistry(address(this), IDelegationManager(address(delegation)));
        IStakeRegistry.StrategyParams[] memory p = new IStakeRegistry.StrategyParams[](2);
        p[0] = IStakeRegistry.StrategyParams(s0, 1e18);
        p[1] = IStakeRegistry.StrategyParams(s1, 3e17);
        registry.initializeQuorum(0, 100, p);
        vm.roll(START);
    }

    function _op(uint256 i) internal pure returns (address) {
        return address(uint160(0x0100 + i));
    }

    function _id(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("fuzz-op", i));
    }

    function _weight(uint256 a, uint256 b) internal pure returns (uint96) {
        uint256 w = a * 1e18 / 1e18 + b * 3e17 / 1e18;
        return w > type(uint96).max ? type(uint96).max : uint96(w);
    }

    /// @notice A random walk of registrations, stake updates (some below the minimum) and deregistrations over
    ///         random block gaps (0 = same block, which collapses); afterwards every operator stake and the total
    ///         at every block from the start equal the model, and the total equals the sum of the stakes.
    function testFuzz_stakeHistoryAnswersEveryBlock(uint256 seed) public {
        Record[] memory records = new Record[](STEPS + 1);
        uint256 count = 1;
        records[0].blockNumber = START - 1; // the state before the walk: nothing
        for (uint256 step = 0; step < STEPS; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 gap = r % 3; // 0, 1 or 2 blocks
            if (gap != 0) vm.roll(block.number + gap);
            uint256 i = (r >> 8) % OPS;
            // a quarter of the steps land near the minimum (100), about half of those below it
            bool small = (r >> 16) % 4 == 0;
            uint256 a = small ? (r >> 24) % 100 : (r >> 24) % 1e24;
            uint256 b = small ? (r >> 120) % 300 : (r >> 120) % 1e24;
            delegation.setOperatorShares(_op(i), s0, a);
            delegation.setOperatorShares(_op(i), s1, b);
            uint96 w = _weight(a, b);
            Record memory cur = _copy(records[count - 1]);
            cur.blockNumber = uint32(block.number);
            if (!cur.registered[i]) {
                if (w < 100) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IStakeRegistryErrors.BelowMinimumStakeRequirement.selector, 0, w, 100)
                    );
                    registry.registerOperator(_op(i), _id(i), hex"00");
                    continue;
                }
                (uint96[] memory stakes,) = registry.registerOperator(_op(i), _id(i), hex"00");
                assertEq(uint256(stakes[0]), uint256(w), "registered weight");
                (cur.registered[i], cur.hasHistory[i], cur.stakes[i]) = (true, true, w);
            } else if ((r >> 200) % 3 == 0) {
                registry.deregisterOperator(_id(i), hex"00");
                (cur.registered[i], cur.stakes[i]) = (false, 0);
            } else {
                uint192 toRemove = registry.updateOperatorStake(_op(i), _id(i), hex"00");
                assertEq(uint256(toRemove), w < 100 ? 1 : 0, "flagged below minimum");
                // the coordinator deregisters a flagged operator; its stake is already zero
                if (w < 100) registry.deregisterOperator(_id(i), hex"00");
                (cur.registered[i], cur.stakes[i]) = (w >= 100, w < 100 ? 0 : w);
            }
            if (records[count - 1].blockNumber == cur.blockNumber) {
                records[count - 1] = cur;
            } else {
                records[count++] = cur;
            }
        }
        for (uint32 b = START; b <= uint32(block.number) + 1; ++b) {
            Record memory at = records[0];
            for (uint256 k = 0; k < count; ++k) {
                if (records[k].blockNumber <= b) at = records[k];
            }
            _checkAt(b, at);
        }
    }

    function _checkAt(uint32 b, Record memory at) internal view {
        uint256 sum;
        for (uint256 i = 0; i < OPS; ++i) {
            sum += at.stakes[i];
            if (!at.hasHistory[i]) continue;
            assertEq(uint256(registry.getStakeAtBlockNumber(_id(i), 0, b)), uint256(at.stakes[i]), "stake at block");
            uint32 idx = registry.getStakeUpdateIndexAtBlockNumber(_id(i), 0, b);
            assertEq(uint256(registry.getStakeAtBlockNumberAndIndex(0, b, _id(i), idx)), uint256(at.stakes[i]));
        }
        uint32 totalIndex = registry.getTotalStakeIndicesAtBlockNumber(b, hex"00")[0];
        assertEq(uint256(registry.getTotalStakeAtBlockNumberFromIndex(0, b, totalIndex)), sum, "total = sum at block");
    }

    function _copy(Record memory r) internal pure returns (Record memory c) {
        c.blockNumber = r.blockNumber;
        for (uint256 i = 0; i < OPS; ++i) {
            (c.stakes[i], c.registered[i], c.hasHistory[i]) = (r.stakes[i], r.registered[i], r.hasHistory[i]);
        }
    }

    /// @notice The minimum is inclusive: a weight equal to it registers, one below is refused with the weight.
    function testFuzz_minimumIsInclusive(uint96 minimum, uint256 shares) public {
        minimum = uint96(bound(minimum, 1, type(uint96).max));
        shares = bound(shares, 0, type(uint96).max);
        registry.setMinimumStakeForQuorum(0, minimum);
        delegation.setOperatorShares(_op(0), s0, shares);
        if (shares < minimum) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IStakeRegistryErrors.BelowMinimumStakeRequirement.selector, 0, uint96(shares), minimum
                )
            );
        }
        registry.registerOperator(_op(0), _id(0), hex"00");
        if (shares >= minimum) assertEq(uint256(registry.getCurrentTotalStake(0)), shares);
    }

    /// @notice Weights saturate at uint96 max; a total that would pass uint96 reverts (checked cast) instead of
    ///         wrapping, so the recorded total is always the exact sum of the recorded stakes.
    function testFuzz_totalNeverWraps(uint256 a, uint256 b) public {
        registry.setMinimumStakeForQuorum(0, 0);
        a = bound(a, 0, type(uint256).max / 1e18);
        b = bound(b, 0, type(uint256).max / 1e18);
        delegation.setOperatorShares(_op(0), s0, a);
        delegation.setOperatorShares(_op(1), s0, b);
        uint96 wa = _weight(a, 0);
        uint96 wb = _weight(b, 0);
        registry.registerOperator(_op(0), _id(0), hex"00");
        if (uint256(wa) + wb > type(uint96).max) {
            vm.expectRevert(
                abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, uint256(wa) + wb)
            );
            registry.registerOperator(_op(1), _id(1), hex"00");
            assertEq(uint256(registry.getCurrentTotalStake(0)), wa, "total unchanged");
        } else {
            registry.registerOperator(_op(1), _id(1), hex"00");
            assertEq(uint256(registry.getCurrentTotalStake(0)), uint256(wa) + wb, "exact sum");
        }
    }

    /// @notice History lookups by index never read past the end (the one-load read skips the length check):
    ///         any index at or past the length reverts with IndexOutOfRange, whatever the block.
    function testFuzz_indexPastEndReverts(uint256 index, uint32 blockNumber, uint8 updates) public {
        updates = uint8(bound(updates, 1, 6));
        delegation.setOperatorShares(_op(0), s0, 1000);
        registry.registerOperator(_op(0), _id(0), hex"00");
        for (uint256 k = 1; k < updates; ++k) {
            vm.roll(block.number + 1);
            delegation.setOperatorShares(_op(0), s0, 1000 + k);
            registry.updateOperatorStake(_op(0), _id(0), hex"00");
        }
        uint256 length = registry.getStakeHistoryLength(_id(0), 0);
        index = bound(index, length, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.IndexOutOfRange.selector, index, length));
        registry.getStakeAtBlockNumberAndIndex(0, blockNumber, _id(0), index);
        uint256 totalLength = registry.getTotalStakeHistoryLength(0);
        index = bound(index, totalLength, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.IndexOutOfRange.selector, index, totalLength));
        registry.getTotalStakeAtBlockNumberFromIndex(0, blockNumber, index);
    }
}

/// @notice Fuzzed churn thresholds and bitmap-history reads of the RegistryCoordinator with real BLS operators.
contract RegistryCoordinatorArithmeticFuzzTest is MiddlewareFixture {
    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 3; ++i) {
            _newOperator(9000 + i);
        }
    }

    /// @notice With quorum 0 full (two members), a newcomer kicks a member iff its stake exceeds the member's by
    ///         `kickBIPsOfOperatorStake` (strictly) and the member holds less than `kickBIPsOfTotalStake` of the
    ///         total including the newcomer; otherwise the named error, and nothing changes.
    function testFuzz_churnThresholds(uint96 kicked, uint96 other, uint96 newcomer, uint16 opBips, uint16 totalBips)
        public
    {
        kicked = uint96(bound(kicked, 1, 1e27));
        other = uint96(bound(other, 1, 1e27));
        newcomer = uint96(bound(newcomer, 1, 1e27));
        opBips = uint16(bound(opBips, 0, 30000));
        totalBips = uint16(bound(totalBips, 0, 10000));
        vm.prank(owner);
        coordinator.setOperatorSetParams(
            0,
            IRegistryCoordinator.OperatorSetParam({
                maxOperatorCount: 2, kickBIPsOfOperatorStake: opBips, kickBIPsOfTotalStake: totalBips
            })
        );
        _setShares(0, 0, kicked);
        _setShares(1, 0, other);
        _setShares(2, 0, newcomer);
        _register(0, hex"00");
        _register(1, hex"00");

        IRegistryCoordinator.OperatorKickParam[] memory kick = new IRegistryCoordinator.OperatorKickParam[](1);
        kick[0] = IRegistryCoordinator.OperatorKickParam({quorumNumber: 0, operator: operators[0].addr});
        ISignatureUtils.SignatureWithSaltAndExpiry memory approval = _approval(kick);
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(2);
        uint256 total = uint256(kicked) + other + newcomer;
        if (uint256(newcomer) <= uint256(kicked) * opBips / 10000) {
            vm.expectRevert(
                abi.encodeWithSelector(IRegistryCoordinatorErrors.InsufficientStakeForChurn.selector, newcomer, kicked)
            );
        } else if (uint256(kicked) >= total * totalBips / 10000) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRegistryCoordinatorErrors.CannotKickOperatorAboveThreshold.selector, kicked, uint96(total)
                )
            );
        }
        vm.prank(operators[2].addr);
        coordinator.registerOperatorWithChurn(hex"00", "s", params, kick, approval, _emptySignature());

        bool churned = coordinator.getCurrentQuorumBitmap(operators[2].id) == 1;
        assertEq(coordinator.getCurrentQuorumBitmap(operators[0].id), churned ? 0 : 1, "kicked iff churned");
        assertEq(indexRegistry.totalOperatorsForQuorum(0), 2, "the cap holds either way");
        assertEq(
            uint256(stakeRegistry.getCurrentTotalStake(0)),
            churned ? uint256(other) + newcomer : uint256(kicked) + other,
            "total follows the members"
        );
    }

    function _approval(IRegistryCoordinator.OperatorKickParam[] memory kick)
        internal
        view
        returns (ISignatureUtils.SignatureWithSaltAndExpiry memory sig)
    {
        uint256 expiry = block.timestamp + 1 hours;
        bytes32 salt = keccak256("fuzz-salt");
        bytes32 digest = coordinator.calculateOperatorChurnApprovalDigestHash(
            operators[2].addr, operators[2].id, kick, salt, expiry
        );
        sig = ISignatureUtils.SignatureWithSaltAndExpiry({
            signature: signDigest(churnApproverKey, digest), salt: salt, expiry: expiry
        });
    }

    /// @notice A random register/deregister walk of one operator over random block gaps: the bitmap read by
    ///         (block, index) equals the model at every block, the index found for a block is the only one
    ///         accepted for it, and indices past the end revert.
    function testFuzz_bitmapHistoryAnswersEveryBlock(uint256 seed, uint256 wrongIndex) public {
        _setShares(0, 0, 1e18);
        _setShares(0, 2, 1e18);
        uint32 start = uint32(block.number);
        uint192[] memory bitmapAt = new uint192[](40);
        uint192 current;
        for (uint256 step = 0; step < 8; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            if (r % 3 != 0) vm.roll(block.number + 1 + (r >> 8) % 3);
            uint192 mask = uint192(1 + (r >> 16) % 3);
            if (current & mask == 0) {
                _register(0, _quorumBytes(mask));
                current |= mask;
            } else if (current & mask == mask) {
                vm.prank(operators[0].addr);
                coordinator.deregisterOperator(_quorumBytes(mask));
                current &= ~mask;
            } else {
                continue;
            }
            for (uint256 b = block.number - start; b < bitmapAt.length; ++b) {
                bitmapAt[b] = current;
            }
        }
        uint256 length = coordinator.getQuorumBitmapHistoryLength(operators[0].id);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = operators[0].id;
        for (uint32 b = start; b <= block.number; ++b) {
            if (length == 0) break;
            uint32 first = coordinator.getQuorumBitmapUpdateByIndex(ids[0], 0).updateBlockNumber;
            if (b < first) continue;
            uint32 idx = coordinator.getQuorumBitmapIndicesAtBlockNumber(b, ids)[0];
            assertEq(
                uint256(coordinator.getQuorumBitmapAtBlockNumberByIndex(ids[0], b, idx)),
                uint256(bitmapAt[b - start]),
                "bitmap at block"
            );
            uint256 other = bound(wrongIndex, 0, length); // may be `length` (past the end)
            if (other != idx) {
                vm.expectRevert();
                coordinator.getQuorumBitmapAtBlockNumberByIndex(ids[0], b, other);
            }
        }
    }

    function _quorumBytes(uint192 mask) internal pure returns (bytes memory) {
        if (mask == 1) return hex"00";
        if (mask == 2) return hex"01";
        return hex"0001";
    }
}
