// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {IAVSRegistrar} from "../interfaces/IAVSRegistrar.sol";
import {IAllocationManager} from "../interfaces/IAllocationManager.sol";
import {IDelegationManagerCore} from "../interfaces/IDelegationManager.sol";
import {SlashingLib} from "../libraries/SlashingLib.sol";

/// @title Operator sets, magnitude allocations with delays, and slashing (EigenLayer's AllocationManager, lean).
/// @notice See IAllocationManager. Lean where EigenLayer carries history we do not need: no permission controller
///         (an AVS acts as itself, an operator as itself), one slasher per AVS, no deallocation queue (a pending
///         change is applied lazily when read, and encumbered magnitude is summed over the operator's allocated
///         sets), and no AVS metadata registry.
contract AllocationManager is IAllocationManager {
    using Checkpoints for Checkpoints.Trace208;
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    /// @dev Membership of an operator in a set; after leaving it stays slashable through `slashableUntil`.
    struct RegistrationStatus {
        bool registered;
        uint32 slashableUntil;
    }

    /// @dev The operator's allocation delay, and a pending new one in effect from `effectBlock`.
    struct AllocationDelayInfo {
        uint32 delay;
        bool isSet;
        uint32 pendingDelay;
        uint32 effectBlock;
        bool hasPending;
    }

    /// @inheritdoc IAllocationManager
    uint32 public immutable DEALLOCATION_DELAY;
    /// @inheritdoc IAllocationManager
    uint32 public immutable ALLOCATION_CONFIGURATION_DELAY;

    IDelegationManagerCore private immutable _delegation;

    mapping(bytes32 setKey => bool) internal _operatorSetExists;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) internal _setStrategies;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) internal _setMembers;
    mapping(address operator => mapping(bytes32 setKey => RegistrationStatus)) internal _registrationStatus;
    mapping(address avs => IAVSRegistrar) internal _avsRegistrar;
    mapping(address avs => address) internal _avsSlasher;
    mapping(address operator => AllocationDelayInfo) internal _allocationDelayInfo;
    /// @dev Stores `WAD - maxMagnitude` so that "no checkpoint yet" (0) reads as an unslashed WAD.
    mapping(address operator => mapping(IStrategy strategy => Checkpoints.Trace208)) internal _slashedMagnitudeHistory;
    mapping(address operator => mapping(bytes32 setKey => mapping(IStrategy strategy => Allocation))) internal
        _allocations;
    /// @dev The sets each operator has (or had) magnitude allocated to, per strategy; summed for encumbrance.
    mapping(address operator => mapping(IStrategy strategy => EnumerableSet.Bytes32Set)) internal _allocatedSets;

    /// @param delegation_ The DelegationManager whose operators allocate here and whose shares slashing scales.
    /// @param deallocationDelay Blocks a deallocation or deregistration keeps stake slashable.
    /// @param allocationConfigurationDelay Blocks before a changed allocation delay takes effect.
    constructor(IDelegationManagerCore delegation_, uint32 deallocationDelay, uint32 allocationConfigurationDelay) {
        if (address(delegation_) == address(0)) revert ZeroAddress();
        _delegation = delegation_;
        DEALLOCATION_DELAY = deallocationDelay;
        ALLOCATION_CONFIGURATION_DELAY = allocationConfigurationDelay;
    }

    // ---------------------------------------------------------------- AVS configuration

    /// @inheritdoc IAllocationManager
    function createOperatorSets(address avs, CreateSetParams[] calldata params) external {
        _checkCaller(avs);
        for (uint256 i = 0; i < params.length; ++i) {
            bytes32 key = _key(avs, params[i].operatorSetId);
            if (_operatorSetExists[key]) revert OperatorSetAlreadyExists(avs, params[i].operatorSetId);
            _operatorSetExists[key] = true;
            emit OperatorSetCreated(OperatorSet(avs, params[i].operatorSetId));
            _addStrategies(avs, params[i].operatorSetId, key, params[i].strategies);
        }
    }

    /// @inheritdoc IAllocationManager
    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies) external {
        _checkCaller(avs);
        _addStrategies(avs, operatorSetId, _existingKey(avs, operatorSetId), strategies);
    }

    /// @inheritdoc IAllocationManager
    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external
    {
        _checkCaller(avs);
        bytes32 key = _existingKey(avs, operatorSetId);
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (!_setStrategies[key].remove(address(strategies[i]))) {
                revert StrategyNotInOperatorSet(avs, operatorSetId, strategies[i]);
            }
            emit StrategyRemovedFromOperatorSet(OperatorSet(avs, operatorSetId), strategies[i]);
        }
    }

    /// @inheritdoc IAllocationManager
    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external {
        _checkCaller(avs);
        _avsRegistrar[avs] = registrar;
        emit AVSRegistrarSet(avs, registrar);
    }

    /// @inheritdoc IAllocationManager
    function setAVSSlasher(address avs, address slasher) external {
        _checkCaller(avs);
        if (slasher == address(0)) revert ZeroAddress();
        _avsSlasher[avs] = slasher;
        emit AVSSlasherSet(avs, slasher);
    }

    // ---------------------------------------------------------------- registration

    /// @inheritdoc IAllocationManager
    function registerForOperatorSets(address operator, RegisterParams calldata params) external {
        _checkCaller(operator);
        if (!_delegation.isOperator(operator)) revert InvalidOperator(operator);
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            uint32 id = params.operatorSetIds[i];
            bytes32 key = _existingKey(params.avs, id);
            RegistrationStatus storage status = _registrationStatus[operator][key];
            if (status.registered) revert AlreadyMemberOfSet(operator, params.avs, id);
            status.registered = true;
            _setMembers[key].add(operator);
            emit OperatorAddedToOperatorSet(operator, OperatorSet(params.avs, id));
        }
        getAVSRegistrar(params.avs).registerOperator(operator, params.avs, params.operatorSetIds, params.data);
    }

    /// @inheritdoc IAllocationManager
    function deregisterFromOperatorSets(DeregisterParams calldata params) external {
        if (msg.sender != params.operator && msg.sender != params.avs) {
            revert InvalidCaller(msg.sender, params.operator);
        }
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            uint32 id = params.operatorSetIds[i];
            bytes32 key = _existingKey(params.avs, id);
            RegistrationStatus storage status = _registrationStatus[params.operator][key];
            if (!status.registered) revert NotMemberOfSet(params.operator, params.avs, id);
            // Stake that could have signed for this set stays slashable for the deallocation delay.
            status.registered = false;
            status.slashableUntil = SafeCast.toUint32(block.number + DEALLOCATION_DELAY);
            _setMembers[key].remove(params.operator);
            emit OperatorRemovedFromOperatorSet(params.operator, OperatorSet(params.avs, id));
        }
        getAVSRegistrar(params.avs).deregisterOperator(params.operator, params.avs, params.operatorSetIds);
    }

    // ---------------------------------------------------------------- allocations

    /// @inheritdoc IAllocationManager
    function setAllocationDelay(address operator, uint32 delay) external {
        if (msg.sender != address(_delegation)) {
            _checkCaller(operator);
            if (!_delegation.isOperator(operator)) revert InvalidOperator(operator);
        }
        AllocationDelayInfo memory info = _settledDelay(_allocationDelayInfo[operator]);
        info.pendingDelay = delay;
        info.effectBlock = SafeCast.toUint32(block.number + ALLOCATION_CONFIGURATION_DELAY);
        info.hasPending = true;
        _allocationDelayInfo[operator] = info;
        emit AllocationDelaySet(operator, delay, info.effectBlock);
    }

    /// @inheritdoc IAllocationManager
    function modifyAllocations(address operator, AllocateParams[] calldata params) external {
        _checkCaller(operator);
        (bool isSet, uint32 allocationDelay) = getAllocationDelay(operator);
        if (!isSet) revert UninitializedAllocationDelay(operator);

        for (uint256 i = 0; i < params.length; ++i) {
            AllocateParams calldata p = params[i];
            if (p.strategies.length != p.newMagnitudes.length) {
                revert InputArrayLengthMismatch(p.strategies.length, p.newMagnitudes.length);
            }
            bytes32 key = _existingKey(p.operatorSet.avs, p.operatorSet.id);
            bool slashable = isOperatorSlashable(operator, p.operatorSet);
            for (uint256 j = 0; j < p.strategies.length; ++j) {
                _modifyAllocation(
                    operator, p.operatorSet, key, p.strategies[j], p.newMagnitudes[j], slashable, allocationDelay
                );
            }
        }
    }

    // ---------------------------------------------------------------- slashing

    /// @inheritdoc IAllocationManager
    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256[] memory slashedShares)
    {
        address slasher = getSlasher(avs);
        if (msg.sender != slasher) revert NotSlasher(msg.sender, avs, slasher);
        if (params.strategies.length != params.wadsToSlash.length) {
            revert InputArrayLengthMismatch(params.strategies.length, params.wadsToSlash.length);
        }
        OperatorSet memory operatorSet = OperatorSet(avs, params.operatorSetId);
        bytes32 key = _existingKey(avs, params.operatorSetId);
        if (!isOperatorSlashable(params.operator, operatorSet)) {
            revert OperatorNotSlashable(params.operator, avs, params.operatorSetId);
        }

        slashedShares = new uint256[](params.strategies.length);
        uint256[] memory wadSlashed = new uint256[](params.strategies.length);
        for (uint256 i = 0; i < params.strategies.length; ++i) {
            IStrategy strategy = params.strategies[i];
            // Ascending order rules out duplicates, which would slash one allocation twice.
            if (i > 0 && address(strategy) <= address(params.strategies[i - 1])) {
                revert StrategiesMustBeInAscendingOrder(params.strategies[i - 1], strategy);
            }
            uint256 wad = params.wadsToSlash[i];
            if (wad == 0 || wad > SlashingLib.WAD) revert InvalidWadToSlash(wad);
            if (!_setStrategies[key].contains(address(strategy))) {
                revert StrategyNotInOperatorSet(avs, params.operatorSetId, strategy);
            }
            (slashedShares[i], wadSlashed[i]) = _slash(params.operator, operatorSet, key, strategy, wad);
        }
        emit OperatorSlashed(params.operator, operatorSet, params.strategies, wadSlashed, params.description);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAllocationManager
    function delegation() external view returns (address) {
        return address(_delegation);
    }

    /// @inheritdoc IAllocationManager
    function getMaxMagnitude(address operator, IStrategy strategy) public view returns (uint64) {
        return uint64(SlashingLib.WAD - _slashedMagnitudeHistory[operator][strategy].latest());
    }

    /// @inheritdoc IAllocationManager
    function getMaxMagnitudeAtBlock(address operator, IStrategy strategy, uint32 blockNumber)
        external
        view
        returns (uint64)
    {
        return uint64(SlashingLib.WAD - _slashedMagnitudeHistory[operator][strategy].upperLookupRecent(blockNumber));
    }

    /// @inheritdoc IAllocationManager
    function getEncumberedMagnitude(address operator, IStrategy strategy) public view returns (uint64 encumbered) {
        EnumerableSet.Bytes32Set storage sets = _allocatedSets[operator][strategy];
        uint256 length = sets.length();
        for (uint256 i = 0; i < length; ++i) {
            Allocation memory a = _updatedAllocation(operator, sets.at(i), strategy);
            // A pending decrease is still slashable, so it still encumbers; a pending increase already does.
            encumbered += a.pendingDiff > 0 ? a.currentMagnitude + uint64(uint128(a.pendingDiff)) : a.currentMagnitude;
        }
    }

    /// @inheritdoc IAllocationManager
    function getAllocatableMagnitude(address operator, IStrategy strategy) public view returns (uint64) {
        return getMaxMagnitude(operator, strategy) - getEncumberedMagnitude(operator, strategy);
    }

    /// @inheritdoc IAllocationManager
    function getAllocation(address operator, OperatorSet calldata operatorSet, IStrategy strategy)
        external
        view
        returns (Allocation memory)
    {
        return _updatedAllocation(operator, _key(operatorSet.avs, operatorSet.id), strategy);
    }

    /// @inheritdoc IAllocationManager
    function getAllocationDelay(address operator) public view returns (bool isSet, uint32 delay) {
        AllocationDelayInfo memory info = _settledDelay(_allocationDelayInfo[operator]);
        return (info.isSet, info.delay);
    }

    /// @inheritdoc IAllocationManager
    function isOperatorSet(OperatorSet calldata operatorSet) external view returns (bool) {
        return _operatorSetExists[_key(operatorSet.avs, operatorSet.id)];
    }

    /// @inheritdoc IAllocationManager
    function getStrategiesInOperatorSet(OperatorSet calldata operatorSet)
        external
        view
        returns (IStrategy[] memory strategies)
    {
        address[] memory values = _setStrategies[_key(operatorSet.avs, operatorSet.id)].values();
        strategies = new IStrategy[](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            strategies[i] = IStrategy(values[i]);
        }
    }

    /// @inheritdoc IAllocationManager
    function getMembers(OperatorSet calldata operatorSet) external view returns (address[] memory) {
        return _setMembers[_key(operatorSet.avs, operatorSet.id)].values();
    }

    /// @inheritdoc IAllocationManager
    function isMemberOfOperatorSet(address operator, OperatorSet calldata operatorSet) external view returns (bool) {
        return _registrationStatus[operator][_key(operatorSet.avs, operatorSet.id)].registered;
    }

    /// @inheritdoc IAllocationManager
    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) public view returns (bool) {
        RegistrationStatus memory status = _registrationStatus[operator][_key(operatorSet.avs, operatorSet.id)];
        return status.registered || block.number <= status.slashableUntil;
    }

    /// @inheritdoc IAllocationManager
    function getAVSRegistrar(address avs) public view returns (IAVSRegistrar) {
        IAVSRegistrar registrar = _avsRegistrar[avs];
        return address(registrar) == address(0) ? IAVSRegistrar(avs) : registrar;
    }

    /// @inheritdoc IAllocationManager
    function getSlasher(address avs) public view returns (address) {
        address slasher = _avsSlasher[avs];
        return slasher == address(0) ? avs : slasher;
    }

    /// @inheritdoc IAllocationManager
    function getAllocatedStake(
        OperatorSet calldata operatorSet,
        address[] calldata operators,
        IStrategy[] calldata strategies
    ) external view returns (uint256[][] memory) {
        return _slashableStake(operatorSet, operators, strategies, 0, false);
    }

    /// @inheritdoc IAllocationManager
    function getMinimumSlashableStake(
        OperatorSet calldata operatorSet,
        address[] calldata operators,
        IStrategy[] calldata strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory) {
        return _slashableStake(operatorSet, operators, strategies, futureBlock, true);
    }

    // ---------------------------------------------------------------- internals

    function _modifyAllocation(
        address operator,
        OperatorSet calldata operatorSet,
        bytes32 key,
        IStrategy strategy,
        uint64 newMagnitude,
        bool slashable,
        uint32 allocationDelay
    ) internal {
        Allocation memory a = _updatedAllocation(operator, key, strategy);
        if (a.pendingDiff != 0) revert ModificationAlreadyPending(operator, strategy, a.effectBlock);
        if (newMagnitude == a.currentMagnitude) revert SameMagnitude(newMagnitude);
        // Only increases need the strategy in the set: magnitude left in a strategy the AVS removed must still
        // be freeable (it is no longer slashable there, so the decrease below applies at once).
        bool inSet = _setStrategies[key].contains(address(strategy));
        if (!inSet && newMagnitude > a.currentMagnitude) {
            revert StrategyNotInOperatorSet(operatorSet.avs, operatorSet.id, strategy);
        }
        slashable = slashable && inSet;

        uint32 effectBlock;
        if (newMagnitude < a.currentMagnitude) {
            if (slashable) {
                // Slashable through block.number + DEALLOCATION_DELAY, freed from the block after.
                effectBlock = SafeCast.toUint32(block.number + DEALLOCATION_DELAY + 1);
                a.pendingDiff = int128(uint128(newMagnitude)) - int128(uint128(a.currentMagnitude));
            } else {
                effectBlock = uint32(block.number);
                a.currentMagnitude = newMagnitude;
            }
        } else {
            uint64 added = newMagnitude - a.currentMagnitude;
            uint64 allocatable = getAllocatableMagnitude(operator, strategy);
            if (added > allocatable) revert InsufficientMagnitude(strategy, allocatable, added);
            effectBlock = SafeCast.toUint32(block.number + allocationDelay);
            if (allocationDelay == 0) a.currentMagnitude = newMagnitude;
            else a.pendingDiff = int128(uint128(added));
        }
        a.effectBlock = effectBlock;
        _allocations[operator][key][strategy] = a;
        if (a.currentMagnitude == 0 && a.pendingDiff == 0) _allocatedSets[operator][strategy].remove(key);
        else _allocatedSets[operator][strategy].add(key);
        emit AllocationUpdated(operator, operatorSet, strategy, newMagnitude, effectBlock);
    }

    /// @dev Takes `wad` of the operator's current allocation to the set (rounded up) out of both the allocation
    ///      and the max magnitude, shrinks a pending deallocation by the same fraction, and has the
    ///      DelegationManager scale the operator's shares by `newMax / prevMax`.
    function _slash(address operator, OperatorSet memory operatorSet, bytes32 key, IStrategy strategy, uint256 wad)
        internal
        returns (uint256 slashedShares, uint256 wadOfTotal)
    {
        Allocation memory a = _updatedAllocation(operator, key, strategy);
        if (a.currentMagnitude == 0) return (0, 0);

        uint64 slashedMagnitude = uint64(SlashingLib.mulWadRoundUp(a.currentMagnitude, wad));
        uint64 prevMaxMagnitude = getMaxMagnitude(operator, strategy);
        // Invariant: currentMagnitude <= encumbered <= maxMagnitude, so this cannot underflow.
        uint64 newMaxMagnitude = prevMaxMagnitude - slashedMagnitude;

        a.currentMagnitude -= slashedMagnitude;
        if (a.pendingDiff < 0) {
            uint256 slashedPending = SlashingLib.mulWadRoundUp(uint256(uint128(-a.pendingDiff)), wad);
            // slashedPending <= -pendingDiff < 2^127, so the cast is exact.
            // forge-lint: disable-next-line(unsafe-typecast)
            a.pendingDiff += int128(uint128(slashedPending));
        }
        _allocations[operator][key][strategy] = a;
        _slashedMagnitudeHistory[operator][strategy].push(
            SafeCast.toUint48(block.number), uint208(SlashingLib.WAD - newMaxMagnitude)
        );
        emit AllocationUpdated(operator, operatorSet, strategy, a.currentMagnitude, uint32(block.number));
        emit MaxMagnitudeUpdated(operator, strategy, newMaxMagnitude);

        wadOfTotal = Math.mulDiv(slashedMagnitude, SlashingLib.WAD, prevMaxMagnitude, Math.Rounding.Ceil);
        slashedShares = _delegation.slashOperatorShares(operator, strategy, prevMaxMagnitude, newMaxMagnitude);
    }

    function _slashableStake(
        OperatorSet calldata operatorSet,
        address[] calldata operators,
        IStrategy[] calldata strategies,
        uint32 futureBlock,
        bool applyPendingDecreases
    ) internal view returns (uint256[][] memory stake) {
        bytes32 key = _key(operatorSet.avs, operatorSet.id);
        stake = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            stake[i] = new uint256[](strategies.length);
            uint256[] memory shares = _delegation.getOperatorShares(operators[i], strategies);
            for (uint256 j = 0; j < strategies.length; ++j) {
                uint64 maxMagnitude = getMaxMagnitude(operators[i], strategies[j]);
                if (maxMagnitude == 0) continue;
                Allocation memory a = _updatedAllocation(operators[i], key, strategies[j]);
                uint256 magnitude = a.currentMagnitude;
                if (applyPendingDecreases && a.pendingDiff < 0 && a.effectBlock <= futureBlock) {
                    magnitude -= uint256(uint128(-a.pendingDiff));
                }
                stake[i][j] = Math.mulDiv(shares[j], magnitude, maxMagnitude);
            }
        }
    }

    function _addStrategies(address avs, uint32 id, bytes32 key, IStrategy[] calldata strategies) internal {
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (!_setStrategies[key].add(address(strategies[i]))) {
                revert StrategyAlreadyInOperatorSet(avs, id, strategies[i]);
            }
            emit StrategyAddedToOperatorSet(OperatorSet(avs, id), strategies[i]);
        }
    }

    /// @dev The allocation with its pending change applied once `effectBlock` is reached.
    function _updatedAllocation(address operator, bytes32 key, IStrategy strategy)
        internal
        view
        returns (Allocation memory a)
    {
        a = _allocations[operator][key][strategy];
        if (a.pendingDiff != 0 && block.number >= a.effectBlock) {
            a.currentMagnitude = uint64(uint128(int128(uint128(a.currentMagnitude)) + a.pendingDiff));
            a.pendingDiff = 0;
        }
    }

    function _settledDelay(AllocationDelayInfo memory info) internal view returns (AllocationDelayInfo memory) {
        if (info.hasPending && block.number >= info.effectBlock) {
            info.delay = info.pendingDelay;
            info.isSet = true;
            info.hasPending = false;
        }
        return info;
    }

    function _checkCaller(address account) internal view {
        if (msg.sender != account) revert InvalidCaller(msg.sender, account);
    }

    function _existingKey(address avs, uint32 id) internal view returns (bytes32 key) {
        key = _key(avs, id);
        if (!_operatorSetExists[key]) revert InvalidOperatorSet(avs, id);
    }

    /// @dev `avs (20 bytes) ‖ id (4 bytes) ‖ 0 (8 bytes)`.
    function _key(address avs, uint32 id) internal pure returns (bytes32) {
        return bytes32((uint256(uint160(avs)) << 96) | (uint256(id) << 64));
    }
}
