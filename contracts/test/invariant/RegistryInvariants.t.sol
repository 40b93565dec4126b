// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MiddlewareFixture} from "../harnesses/MiddlewareFixture.sol";
import {RegistryInvariantsBase} from "./RegistryInvariantsBase.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {RegistryCoordinator} from "../../src/middleware/RegistryCoordinator.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {BLSApkRegistry} from "../../src/middleware/BLSApkRegistry.sol";
import {IndexRegistry} from "../../src/middleware/IndexRegistry.sol";
import {IRegistryCoordinator} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";

/// @notice Invariants of the registries (RegistryCoordinator, StakeRegistry, BLSApkRegistry, IndexRegistry) under
///         random sequences of registrations, churn, deregistrations, ejections, share changes, stake updates,
///         minimum changes and block advances, over the core's test doubles (shares set directly, so any share
///         pattern is reachable). `RegistryCoreInvariantsTest` runs the same checks over the real core.
/// @dev Six operators with real BLS keys and proofs of possession; quorum 1 is capped at four operators so churn
///      happens.
contract RegistryInvariantsTest is MiddlewareFixture, RegistryInvariantsBase {
    function setUp() public override {
        super.setUp();
        vm.prank(owner);
        coordinator.setOperatorSetParams(
            1,
            IRegistryCoordinator.OperatorSetParam({
                maxOperatorCount: 4, kickBIPsOfOperatorStake: 11000, kickBIPsOfTotalStake: 5000
            })
        );
        handler = new RegistryHandler(
            coordinator, stakeRegistry, delegation, delegation, strategies, owner, ejector, churnApproverKey
        );
        for (uint256 i = 0; i < POOL; ++i) {
            uint256 op = _newOperator(7000 + i);
            handler.addOperator(operators[op].addr, operators[op].pk1, _pubkeyParams(op));
            for (uint256 s = 0; s < 4; ++s) {
                _setShares(op, s, (i + 1) * (s + 1) * 1e18);
            }
        }
        handler.start();
    }

    function _rc() internal view override returns (RegistryCoordinator) {
        return coordinator;
    }

    function _sr() internal view override returns (StakeRegistry) {
        return stakeRegistry;
    }

    function _apk() internal view override returns (BLSApkRegistry) {
        return apkRegistry;
    }

    function _ir() internal view override returns (IndexRegistry) {
        return indexRegistry;
    }

    function _osr() internal view override returns (OperatorStateRetriever) {
        return retriever;
    }

    /// @notice forge's invariant runner calls only the handler's actions (not the pool setup).
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory actions = new bytes4[](9);
        actions[0] = RegistryHandler.register.selector;
        actions[1] = RegistryHandler.deregister.selector;
        actions[2] = RegistryHandler.eject.selector;
        actions[3] = RegistryHandler.setShares.selector;
        actions[4] = RegistryHandler.updateOperators.selector;
        actions[5] = RegistryHandler.updateOperatorsForQuorum.selector;
        actions[6] = RegistryHandler.setMinimumStake.selector;
        actions[7] = RegistryHandler.advance.selector;
        actions[8] = RegistryHandler.advance.selector; // time passes twice as often as anything else
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: actions});
    }

    /// @notice Every handler action the model predicts to succeed does (a revert fails the run), and the
    ///         coordinator's bitmaps and statuses match the model.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 256
    /// forge-config: ci.invariant.depth = 80
    function invariant_CurrentBitmapsMatchRegistrations() public view {
        _checkCurrentBitmaps();
    }

    /// @notice Operator stakes sum to the quorum's total stake, and each equals the model's.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 256
    /// forge-config: ci.invariant.depth = 80
    function invariant_CurrentStakesSumToTotal() public view {
        _checkCurrentStakes();
    }

    /// @notice Each quorum's current aggregate key is the sum of its members' G1 keys.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 256
    /// forge-config: ci.invariant.depth = 80
    function invariant_CurrentApkIsSumOfMemberKeys() public view {
        _checkCurrentApk();
    }

    /// @notice A fixed walk through every action (plain registration, churn, partial and full deregistration,
    ///         ejection and re-registration after the cooldown, a drop below the minimum, both update paths),
    ///         checked as the invariant runs check: shows the handler reaches each path instead of skipping it.
    function test_handlerReachesEveryPath() public {
        for (uint256 i = 0; i < 4; ++i) {
            handler.register(i, 2, 0); // quorums 0 and 1
        }
        handler.register(4, 2, 0); // quorum 1 is full and churn takes one quorum at a time: skipped
        assertEq(handler.modelBitmap(4), 0, "skipped");
        handler.register(4, 0, 0); // quorum 0
        assertEq(handler.memberCount(1), 4, "quorum 1 full");
        assertEq(handler.memberCount(0), 5);
        handler.advance(1, 1);
        handler.register(5, 1, 0); // operator 5 (largest stake) churns its way into quorum 1
        assertEq(handler.churns(), 1, "churned");
        handler.deregister(4, 0); // quorum 0 only
        handler.eject(3, 2); // both quorums
        handler.advance(2, 1);
        handler.register(3, 0, 0); // still cooling down: skipped
        assertEq(handler.modelBitmap(3), 0, "cooldown respected");
        // operator 0 (kicked from quorum 1) loses its strategy-0 shares and the minimum rises above the 4e18
        // it has left in quorum 0 (the other members have more)
        handler.setShares(0, 0, 0);
        handler.setMinimumStake(0, 4e18 + 1);
        handler.updateOperators(type(uint256).max);
        assertEq(handler.minimumDrops(), 1, "operator 0 dropped below the minimum");
        handler.setShares(1, 2, 7e20 + 1);
        handler.updateOperatorsForQuorum(1);
        handler.advance(3, 0); // passes the ejection cooldown
        handler.register(3, 0, 0);
        assertEq(handler.modelBitmap(3), 1, "re-registered after the cooldown");
        handler.advance(4, 1);
        _checkCurrentBitmaps();
        _checkCurrentStakes();
        _checkCurrentApk();
        afterInvariant();
        assertGe(handler.recordedBlockCount(), 4, "history over several blocks");
    }
}
