// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LaminaTest} from "./LaminaTest.sol";
import {DeployCore} from "../../script/DeployCore.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {IDelegationManagerTypes} from "../../src/interfaces/IDelegationManager.sol";
import {IAllocationManagerTypes} from "../../src/interfaces/IAllocationManager.sol";
import {StrategyBase} from "../../src/core/StrategyBase.sol";
import {StrategyManager} from "../../src/core/StrategyManager.sol";
import {DelegationManager} from "../../src/core/DelegationManager.sol";
import {AllocationManager} from "../../src/core/AllocationManager.sol";
import {AVSDirectory} from "../../src/core/AVSDirectory.sol";
import {TestToken} from "../../src/test/TestToken.sol";
import {MockAVSRegistrar} from "../mocks/MockAVSRegistrar.sol";

/// @notice The whole restaking core (devnet delays) with two whitelisted strategies, plus helpers for the flows
///         every core test needs. The test contract is the deployer and the owner.
abstract contract CoreFixture is LaminaTest, DeployCore {
    uint256 internal constant WAD = 1e18;
    uint64 internal constant WAD64 = 1e18;

    CoreDeployment internal core;
    StrategyManager internal strategyManager;
    DelegationManager internal delegation;
    AllocationManager internal allocationManager;
    AVSDirectory internal avsDirectory;

    TestToken internal tokenA;
    TestToken internal tokenB;
    StrategyBase internal strategyA;
    StrategyBase internal strategyB;

    /// @notice An AVS whose registrar is a recording mock.
    address internal avs;
    MockAVSRegistrar internal registrar;

    function setUp() public virtual {
        vm.roll(1000);
        core = _deployCore(address(this));
        strategyManager = core.strategyManager;
        delegation = core.delegationManager;
        allocationManager = core.allocationManager;
        avsDirectory = core.avsDirectory;

        tokenA = new TestToken("Staked A", "stA");
        tokenB = new TestToken("Staked B", "stB");
        strategyA = _deployStrategy(core, IERC20(address(tokenA)));
        strategyB = _deployStrategy(core, IERC20(address(tokenB)));
        // Slashing wants strategies in ascending address order: keep A < B.
        if (address(strategyA) > address(strategyB)) {
            (strategyA, strategyB) = (strategyB, strategyA);
            (tokenA, tokenB) = (tokenB, tokenA);
        }

        avs = makeAddr("avs");
        registrar = new MockAVSRegistrar();
        vm.prank(avs);
        allocationManager.setAVSRegistrar(avs, registrar);
    }

    // ---------------------------------------------------------------- stakers

    function _deposit(address staker, StrategyBase strategy, uint256 amount) internal returns (uint256 shares) {
        TestToken token = TestToken(address(strategy.underlyingToken()));
        token.mint(staker, amount);
        vm.startPrank(staker);
        token.approve(address(strategyManager), amount);
        shares = strategyManager.depositIntoStrategy(strategy, IERC20(address(token)), amount);
        vm.stopPrank();
    }

    function _delegateTo(address staker, address operator) internal {
        ISignatureUtils.SignatureWithExpiry memory noSig;
        vm.prank(staker);
        delegation.delegateTo(operator, noSig, bytes32(0));
    }

    function _registerOperator(address operator) internal {
        vm.prank(operator);
        delegation.registerAsOperator(address(0), 0, "ipfs://operator");
    }

    function _queueWithdrawal(address staker, IStrategy strategy, uint256 depositShares)
        internal
        returns (IDelegationManagerTypes.Withdrawal memory withdrawal, bytes32 root)
    {
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0].strategies = _one(strategy);
        params[0].depositShares = _oneU(depositShares);
        params[0].withdrawer = staker;
        withdrawal = IDelegationManagerTypes.Withdrawal({
            staker: staker,
            delegatedTo: delegation.delegatedTo(staker),
            withdrawer: staker,
            nonce: delegation.cumulativeWithdrawalsQueued(staker),
            startBlock: uint32(block.number),
            strategies: params[0].strategies,
            scaledShares: _oneU(depositShares * delegation.depositScalingFactor(staker, strategy) / WAD)
        });
        vm.prank(staker);
        root = delegation.queueWithdrawals(params)[0];
        assertEq(root, delegation.calculateWithdrawalRoot(withdrawal), "predicted withdrawal root");
    }

    function _completeAsTokens(IDelegationManagerTypes.Withdrawal memory withdrawal) internal {
        IERC20[] memory tokens = new IERC20[](withdrawal.strategies.length);
        for (uint256 i = 0; i < tokens.length; ++i) {
            tokens[i] = withdrawal.strategies[i].underlyingToken();
        }
        vm.prank(withdrawal.withdrawer);
        delegation.completeQueuedWithdrawal(withdrawal, tokens, true);
    }

    function _withdrawable(address staker, IStrategy strategy) internal view returns (uint256) {
        (uint256[] memory withdrawable,) = delegation.getWithdrawableShares(staker, _one(strategy));
        return withdrawable[0];
    }

    // ---------------------------------------------------------------- operator sets

    function _set(uint32 id) internal view returns (IAllocationManagerTypes.OperatorSet memory) {
        return IAllocationManagerTypes.OperatorSet(avs, id);
    }

    function _createSet(uint32 id, IStrategy[] memory strategies) internal {
        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        params[0] = IAllocationManagerTypes.CreateSetParams(id, strategies);
        vm.prank(avs);
        allocationManager.createOperatorSets(avs, params);
    }

    function _registerForSet(address operator, uint32 id) internal {
        uint32[] memory ids = new uint32[](1);
        ids[0] = id;
        vm.prank(operator);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, ids, ""));
    }

    function _allocate(address operator, uint32 id, IStrategy strategy, uint64 magnitude) internal {
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        uint64[] memory mags = new uint64[](1);
        mags[0] = magnitude;
        params[0] = IAllocationManagerTypes.AllocateParams(_set(id), _one(strategy), mags);
        vm.prank(operator);
        allocationManager.modifyAllocations(operator, params);
    }

    function _slashParams(address operator, uint32 id, IStrategy strategy, uint256 wad)
        internal
        pure
        returns (IAllocationManagerTypes.SlashingParams memory)
    {
        return IAllocationManagerTypes.SlashingParams(operator, id, _one(strategy), _oneU(wad), "fraud");
    }

    /// @notice An operator with `stake` of its own in strategy A, delegated `delegated` more by `staker`,
    ///         registered in set `id` (strategy A) with `magnitude` allocated (effective immediately).
    function _slashableOperator(address operator, address staker, uint256 stake, uint256 delegated, uint64 magnitude)
        internal
    {
        _registerOperator(operator);
        if (stake != 0) _deposit(operator, strategyA, stake);
        if (delegated != 0) {
            _deposit(staker, strategyA, delegated);
            _delegateTo(staker, operator);
        }
        if (!allocationManager.isOperatorSet(_set(1))) _createSet(1, _one(strategyA));
        _registerForSet(operator, 1);
        _allocate(operator, 1, strategyA, magnitude);
    }

    // ---------------------------------------------------------------- arrays

    function _one(IStrategy strategy) internal pure returns (IStrategy[] memory list) {
        list = new IStrategy[](1);
        list[0] = strategy;
    }

    function _oneU(uint256 value) internal pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = value;
    }
}
