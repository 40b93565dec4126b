// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {DelegationManagerMock} from "../harnesses/DelegationManagerMock.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IAVSDirectory} from "../../src/interfaces/IAVSDirectory.sol";
import {IDelegationManager, IDelegationManagerTypes} from "../../src/interfaces/IDelegationManager.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {StrategyManager} from "../../src/core/StrategyManager.sol";
import {DelegationManager} from "../../src/core/DelegationManager.sol";
import {RegistryCoordinator} from "../../src/middleware/RegistryCoordinator.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {TestToken} from "../../src/test/TestToken.sol";

/// @notice The registry walk over the real restaking core: stakes change only through the core (deposits by
///         operators and stakers, stakers delegating and undelegating, partial withdrawals), and operators consent
///         to each AVS registration with an ECDSA signature the real AVSDirectory checks.
contract CoreRegistryHandler is RegistryHandler {
    /// @notice Stakers (who delegate to pool operators).
    uint256 public constant STAKERS = 3;

    StrategyManager public immutable strategyManager;
    DelegationManager public immutable delegationManager;
    IAVSDirectory public immutable avsDirectory;
    address public immutable avs;

    mapping(uint256 op => uint256 key) internal _ecdsaKey;
    address[STAKERS] internal _stakers;
    uint256 internal _avsSalt;

    /// @notice Core-side action counters.
    uint256 public deposits;
    uint256 public delegations;
    uint256 public undelegations;
    uint256 public withdrawals;

    /// @notice What the handler drives (a struct: the constructor's arguments would not fit the stack).
    struct CoreWiring {
        RegistryCoordinator coordinator;
        StakeRegistry stakeRegistry;
        StrategyManager strategyManager;
        DelegationManager delegationManager;
        IAVSDirectory avsDirectory;
        address avs;
        IStrategy[4] strategies;
        /// @notice The coordinator's owner, also its ejector.
        address owner;
        uint256 churnApproverKey;
        address[STAKERS] stakers;
    }

    constructor(CoreWiring memory w)
        RegistryHandler(
            w.coordinator,
            w.stakeRegistry,
            IDelegationManager(address(w.delegationManager)),
            DelegationManagerMock(address(0)),
            w.strategies,
            w.owner,
            w.owner,
            w.churnApproverKey
        )
    {
        strategyManager = w.strategyManager;
        delegationManager = w.delegationManager;
        avsDirectory = w.avsDirectory;
        avs = w.avs;
        _stakers = w.stakers;
    }

    /// @notice The ECDSA key of pool operator `op` (its address is `vm.addr(key)`).
    function setEcdsaKey(uint256 op, uint256 key) external {
        _ecdsaKey[op] = key;
    }

    // ---------------------------------------------------------------- core actions

    /// @notice An operator (for itself) or a staker deposits into one strategy.
    function deposit(uint256 actorSeed, uint256 strategySeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        IStrategy strategy = _strategies[strategySeed % 4];
        TestToken token = TestToken(address(strategy.underlyingToken()));
        amount = _bound(amount, 1, MAX_SHARES);
        token.mint(actor, amount);
        vm.startPrank(actor);
        token.approve(address(strategyManager), amount);
        strategyManager.depositIntoStrategy(strategy, IERC20(address(token)), amount);
        vm.stopPrank();
        ++deposits;
    }

    /// @notice A staker delegates to a pool operator.
    function delegate(uint256 stakerSeed, uint256 opSeed) external {
        address staker = _stakers[stakerSeed % STAKERS];
        if (delegationManager.delegatedTo(staker) != address(0)) return;
        ISignatureUtils.SignatureWithExpiry memory noApproval;
        vm.prank(staker);
        delegationManager.delegateTo(_pool[opSeed % _pool.length].addr, noApproval, bytes32(0));
        ++delegations;
    }

    /// @notice A staker undelegates: all its shares leave its operator at once (queued for withdrawal).
    function undelegate(uint256 stakerSeed) external {
        address staker = _stakers[stakerSeed % STAKERS];
        if (delegationManager.delegatedTo(staker) == address(0)) return;
        vm.prank(staker);
        delegationManager.undelegate(staker);
        ++undelegations;
    }

    /// @notice An operator or a staker queues a withdrawal of part of its shares in one strategy.
    function withdraw(uint256 actorSeed, uint256 strategySeed, uint256 part) external {
        address actor = _actor(actorSeed);
        IStrategy strategy = _strategies[strategySeed % 4];
        uint256 held = strategyManager.stakerDepositShares(actor, strategy);
        if (held == 0) return;
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = strategy;
        uint256[] memory shares = new uint256[](1);
        shares[0] = _bound(part, 1, held);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(strategies, shares, actor);
        vm.prank(actor);
        delegationManager.queueWithdrawals(params);
        ++withdrawals;
    }

    // ---------------------------------------------------------------- internals

    /// @notice Pool operators first, then the stakers.
    function _actor(uint256 seed) internal view returns (address) {
        uint256 i = seed % (_pool.length + STAKERS);
        return i < _pool.length ? _pool[i].addr : _stakers[i - _pool.length];
    }

    /// @notice A fresh AVSDirectory consent (single-use salt) signed with the operator's ECDSA key.
    function _avsSignature(uint256 op)
        internal
        override
        returns (ISignatureUtils.SignatureWithSaltAndExpiry memory signature)
    {
        uint256 expiry = block.timestamp + 1 days;
        bytes32 salt = keccak256(abi.encode("invariant-avs-salt", ++_avsSalt));
        bytes32 digest = avsDirectory.calculateOperatorAVSRegistrationDigestHash(_pool[op].addr, avs, salt, expiry);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_ecdsaKey[op], digest);
        signature = ISignatureUtils.SignatureWithSaltAndExpiry({
            signature: abi.encodePacked(r, s, v), salt: salt, expiry: expiry
        });
    }
}
