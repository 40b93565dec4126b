// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DeployLamina} from "../../script/DeployLamina.sol";
import {G2Ops} from "../utils/G2Ops.sol";
import {RegistryInvariantsBase} from "./RegistryInvariantsBase.sol";
import {CoreRegistryHandler} from "./CoreRegistryHandler.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {RegistryCoordinator} from "../../src/middleware/RegistryCoordinator.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {BLSApkRegistry} from "../../src/middleware/BLSApkRegistry.sol";
import {IndexRegistry} from "../../src/middleware/IndexRegistry.sol";
import {IRegistryCoordinator} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";

/// @notice The registry invariants over the whole deployed system (`DeployLamina`: real StrategyManager,
///         DelegationManager, AVSDirectory, AllocationManager, strategies and tokens): stakes change only by
///         deposits, delegation, undelegation and withdrawals, then reach the registries through
///         `updateOperators` / `updateOperatorsForQuorum`; registrations carry real AVS consent signatures.
/// @dev Six operators registered in the DelegationManager with deposits in all four strategies, three stakers;
///      quorum 1 capped at four operators (kick thresholds 110% / 50%) so churn happens.
contract RegistryCoreInvariantsTest is RegistryInvariantsBase, DeployLamina {
    using BN254 for BN254.G1Point;

    LaminaDeployment internal d;

    function setUp() public {
        d = _deployLamina(address(this));
        (address churnApprover, uint256 churnApproverKey) = makeAddrAndKey("core-invariant-churn-approver");
        d.registryCoordinator.setChurnApprover(churnApprover);
        d.registryCoordinator
            .setOperatorSetParams(
                1,
                IRegistryCoordinator.OperatorSetParam({
                    maxOperatorCount: 4, kickBIPsOfOperatorStake: 11000, kickBIPsOfTotalStake: 5000
                })
            );
        address[3] memory stakers = [
            makeAddr("core-invariant-staker-0"),
            makeAddr("core-invariant-staker-1"),
            makeAddr("core-invariant-staker-2")
        ];
        CoreRegistryHandler core = new CoreRegistryHandler(
            CoreRegistryHandler.CoreWiring({
                coordinator: d.registryCoordinator,
                stakeRegistry: d.stakeRegistry,
                strategyManager: d.core.strategyManager,
                delegationManager: d.core.delegationManager,
                avsDirectory: d.core.avsDirectory,
                avs: address(d.serviceManager),
                strategies: d.strategies,
                owner: address(this),
                churnApproverKey: churnApproverKey,
                stakers: stakers
            })
        );
        handler = core;
        for (uint256 i = 0; i < POOL; ++i) {
            (address addr, uint256 ecdsaKey) = makeAddrAndKey(string.concat("core-invariant-operator-", vm.toString(i)));
            vm.prank(addr);
            d.core.delegationManager.registerAsOperator(address(0), 0, "");
            for (uint256 s = 0; s < 4; ++s) {
                _deposit(addr, s, (i + 1) * (s + 1) * 1e18);
            }
            uint256 sk = 7100 + i;
            BN254.G1Point memory pk1 = BN254.generatorG1().scalar_mul(sk);
            IBLSApkRegistry.PubkeyRegistrationParams memory params = IBLSApkRegistry.PubkeyRegistrationParams({
                pubkeyRegistrationSignature: d.registryCoordinator.pubkeyRegistrationMessageHash(addr).scalar_mul(sk),
                pubkeyG1: pk1,
                pubkeyG2: G2Ops.mulGenerator(sk)
            });
            core.addOperator(addr, pk1, params);
            core.setEcdsaKey(i, ecdsaKey);
        }
        vm.roll(block.number + 1);
        core.start();
    }

    function _deposit(address staker, uint256 s, uint256 amount) internal {
        d.tokens[s].mint(staker, amount);
        vm.startPrank(staker);
        d.tokens[s].approve(address(d.core.strategyManager), amount);
        d.core.strategyManager.depositIntoStrategy(d.strategies[s], IERC20(address(d.tokens[s])), amount);
        vm.stopPrank();
    }

    function _rc() internal view override returns (RegistryCoordinator) {
        return d.registryCoordinator;
    }

    function _sr() internal view override returns (StakeRegistry) {
        return d.stakeRegistry;
    }

    function _apk() internal view override returns (BLSApkRegistry) {
        return d.blsApkRegistry;
    }

    function _ir() internal view override returns (IndexRegistry) {
        return d.indexRegistry;
    }

    function _osr() internal view override returns (OperatorStateRetriever) {
        return d.operatorStateRetriever;
    }

    /// @notice forge's invariant runner calls only the handler's actions: the registry walk (without the test
    ///         double's `setShares`) and the core's stake changes.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory actions = new bytes4[](12);
        actions[0] = RegistryHandler.register.selector;
        actions[1] = RegistryHandler.deregister.selector;
        actions[2] = RegistryHandler.eject.selector;
        actions[3] = RegistryHandler.updateOperators.selector;
        actions[4] = RegistryHandler.updateOperatorsForQuorum.selector;
        actions[5] = RegistryHandler.setMinimumStake.selector;
        actions[6] = RegistryHandler.advance.selector;
        actions[7] = CoreRegistryHandler.deposit.selector;
        actions[8] = CoreRegistryHandler.delegate.selector;
        actions[9] = CoreRegistryHandler.undelegate.selector;
        actions[10] = CoreRegistryHandler.withdraw.selector;
        actions[11] = RegistryHandler.advance.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: actions});
    }

    /// @notice Every predicted action succeeds and bitmaps, statuses and the index registry's counts match.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 128
    /// forge-config: ci.invariant.depth = 80
    function invariant_CoreBitmapsMatchRegistrations() public view {
        _checkCurrentBitmaps();
    }

    /// @notice Stakes (from the real core's shares) sum to each quorum's total.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 128
    /// forge-config: ci.invariant.depth = 80
    function invariant_CoreStakesSumToTotal() public view {
        _checkCurrentStakes();
        _checkCurrentApk();
    }

    /// @notice A fixed walk through the core actions and registry paths, checked as the runs check.
    function test_coreWalkReachesEveryPath() public {
        CoreRegistryHandler core = CoreRegistryHandler(address(handler));
        for (uint256 i = 0; i < 4; ++i) {
            core.register(i, 2, 0);
        }
        core.register(4, 0, 0);
        core.advance(1, 1);
        core.register(5, 1, 0); // churns into quorum 1
        assertEq(core.churns(), 1, "churned");
        core.delegate(0, 1); // staker 0 to operator 1
        core.deposit(POOL, 2, 30e18 + 7); // staker 0 deposits into strategy 2: operator 1's quorum-1 weight grows
        core.updateOperatorsForQuorum(1);
        assertGt(uint256(handler.modelStake(1, 1)), 0);
        core.advance(2, 1);
        core.undelegate(0);
        // operator 2 withdraws all of strategies 0 (3e18) and 1 (6e18): nothing left for quorum 0
        // (`withdraw` takes 1 + part % held shares)
        core.withdraw(2, 0, 3e18 - 1);
        core.withdraw(2, 1, 6e18 - 1);
        core.updateOperators(type(uint256).max);
        assertEq(core.minimumDrops(), 1, "operator 2 left quorum 0 below the minimum");
        core.deregister(3, 2);
        core.advance(3, 0);
        core.register(3, 0, 0);
        assertGt(core.deposits() * core.delegations() * core.undelegations() * core.withdrawals(), 0);
        _checkCurrentBitmaps();
        _checkCurrentStakes();
        _checkCurrentApk();
        afterInvariant();
    }
}
