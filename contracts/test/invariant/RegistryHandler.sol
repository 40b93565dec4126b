// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "../utils/Vm.sol";
import {DelegationManagerMock} from "../harnesses/DelegationManagerMock.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IDelegationManager} from "../../src/interfaces/IDelegationManager.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {BitmapUtils} from "../../src/libraries/BitmapUtils.sol";
import {RegistryCoordinator} from "../../src/middleware/RegistryCoordinator.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {IRegistryCoordinator} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";

/// @notice Random walks over the registries through the RegistryCoordinator: registrations (plain and with
///         churn), deregistrations, ejections, share changes (what deposits, delegation and slashing do to an
///         operator's delegated shares), stake updates (`updateOperators`, `updateOperatorsForQuorum`),
///         minimum stake changes and block/time advances.
/// @dev Keeps an independent model of every operator's bitmap and stake, and a snapshot of the model at the end
///      of every block in which something happened, so the invariants can check the registries' histories at
///      every past block against it. Every action either predicts its outcome and performs it (a revert fails the
///      run: `fail-on-revert`), or skips when the model says the registries must refuse it.
contract RegistryHandler {
    using BN254 for BN254.G1Point;

    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 internal constant WEIGHTING_DIVISOR = 1e18;
    /// @notice The fixture's two quorums.
    uint8 public constant QUORUM_COUNT = 2;
    uint192 internal constant ALL_QUORUMS = 3;
    /// @notice Shares per strategy stay within [1, 50e18] (weights up to 150e18) and minimums within [0, 40e18],
    ///         so minimum changes leave some operators above and drop others.
    uint256 internal constant MAX_SHARES = 50e18;
    uint256 internal constant MAX_MINIMUM = 40e18;

    /// @notice A pool operator: its address, id, G1 key and proof-of-possession registration parameters.
    struct PoolOperator {
        address addr;
        bytes32 id;
        BN254.G1Point pk1;
        IBLSApkRegistry.PubkeyRegistrationParams params;
    }

    RegistryCoordinator public immutable coordinator;
    StakeRegistry public immutable stakeRegistry;
    /// @notice Where operator shares are read (the real DelegationManager or its test double).
    IDelegationManager public immutable delegationView;
    /// @notice The test double whose shares `setShares` sets (zero when the real core is used).
    DelegationManagerMock public immutable shareSetter;
    address internal immutable owner;
    address internal immutable ejector;
    uint256 internal immutable churnApproverKey;
    uint256 internal immutable ejectionCooldown;

    IStrategy[4] internal _strategies;
    /// @notice Strategy multipliers per quorum, as the fixture configured them (quorum q counts strategies 2q, 2q+1).
    uint256[2][2] internal _multipliers;
    PoolOperator[] internal _pool;

    // ---------------------------------------------------------------- model
    mapping(uint256 op => uint192 bitmap) public modelBitmap;
    mapping(uint256 op => mapping(uint8 quorum => uint96 stake)) public modelStake;
    mapping(uint8 quorum => uint96 minimum) public modelMinimum;
    mapping(uint8 quorum => bool everHadMember) public modelEverHadMember;
    mapping(uint256 op => uint256 timestamp) internal _lastEjection;
    uint256 internal _churnSalt;

    // ---------------------------------------------------------------- snapshots at the end of each touched block
    uint32[] internal _blocks;
    mapping(uint32 blockNumber => mapping(uint256 op => uint192 bitmap)) internal _snapBitmap;
    mapping(uint32 blockNumber => mapping(uint256 op => mapping(uint8 quorum => uint96 stake))) internal _snapStake;
    mapping(uint32 blockNumber => mapping(uint8 quorum => bool everHadMember)) internal _snapEver;

    // ---------------------------------------------------------------- action counters (to see what a run did)
    uint256 public registrations;
    uint256 public churns;
    uint256 public deregistrations;
    uint256 public ejections;
    uint256 public minimumDrops;

    constructor(
        RegistryCoordinator coordinator_,
        StakeRegistry stakeRegistry_,
        IDelegationManager delegationView_,
        DelegationManagerMock shareSetter_,
        IStrategy[4] memory strategies_,
        address owner_,
        address ejector_,
        uint256 churnApproverKey_
    ) {
        coordinator = coordinator_;
        stakeRegistry = stakeRegistry_;
        delegationView = delegationView_;
        shareSetter = shareSetter_;
        _strategies = strategies_;
        owner = owner_;
        ejector = ejector_;
        churnApproverKey = churnApproverKey_;
        ejectionCooldown = coordinator_.ejectionCooldown();
        for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
            modelMinimum[q] = stakeRegistry_.minimumStakeForQuorum(q);
            for (uint256 s = 0; s < 2; ++s) {
                _multipliers[q][s] = stakeRegistry_.strategyParamsByIndex(q, s).multiplier;
            }
        }
    }

    /// @notice Adds an operator to the pool (the test computes its keys and proof of possession).
    function addOperator(address addr, BN254.G1Point memory pk1, IBLSApkRegistry.PubkeyRegistrationParams memory params)
        external
    {
        _pool.push(PoolOperator({addr: addr, id: BN254.hashG1Point(pk1), pk1: pk1, params: params}));
    }

    /// @notice Records the starting state (call once after the pool is complete).
    function start() external {
        _snapshot();
    }

    // ---------------------------------------------------------------- actions

    /// @notice Registers an operator for some quorums it is not in, with churn when a quorum is full.
    function register(uint256 opSeed, uint256 quorumSeed, uint256 kickSeed) external {
        uint256 op = opSeed % _pool.length;
        uint192 available = ALL_QUORUMS & ~modelBitmap[op];
        if (available == 0) return;
        uint192 toAdd = uint192((quorumSeed % 3) + 1) & available;
        if (toAdd == 0) toAdd = available;
        if (_lastEjection[op] != 0 && block.timestamp <= _lastEjection[op] + ejectionCooldown) return;
        uint96[2] memory weights;
        for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
            if (!BitmapUtils.isSet(toAdd, q)) continue;
            bool meets;
            (weights[q], meets) = _weight(op, q);
            if (!meets) return;
        }
        // At most one full quorum, handled by churn (kick parameters for a single quorum).
        uint8 fullQuorum = type(uint8).max;
        for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
            if (BitmapUtils.isSet(toAdd, q) && _memberCount(q) >= coordinator.getOperatorSetParams(q).maxOperatorCount)
            {
                if (fullQuorum != type(uint8).max) return;
                fullQuorum = q;
            }
        }
        PoolOperator storage o = _pool[op];
        if (fullQuorum == type(uint8).max) {
            ISignatureUtils.SignatureWithSaltAndExpiry memory avsSignature = _avsSignature(op);
            vm.prank(o.addr);
            coordinator.registerOperator(_bytes(toAdd), "localhost:32005", o.params, avsSignature);
        } else {
            if (toAdd != uint192(1) << fullQuorum) return; // churn registers for the full quorum alone
            uint256 kicked = _churnVictim(op, fullQuorum, weights[fullQuorum], kickSeed);
            if (kicked == type(uint256).max) return;
            _registerWithChurn(op, fullQuorum, kicked);
            modelBitmap[kicked] &= ~toAdd;
            modelStake[kicked][fullQuorum] = 0;
            ++churns;
        }
        modelBitmap[op] |= toAdd;
        for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
            if (BitmapUtils.isSet(toAdd, q)) {
                modelStake[op][q] = weights[q];
                modelEverHadMember[q] = true;
            }
        }
        ++registrations;
        _snapshot();
    }

    /// @notice The operator leaves some of its quorums.
    function deregister(uint256 opSeed, uint256 quorumSeed) external {
        uint256 op = opSeed % _pool.length;
        uint192 toRemove = _subsetOfCurrent(op, quorumSeed);
        if (toRemove == 0) return;
        vm.prank(_pool[op].addr);
        coordinator.deregisterOperator(_bytes(toRemove));
        _removeFromModel(op, toRemove);
        ++deregistrations;
        _snapshot();
    }

    /// @notice The ejector removes an operator from some of its quorums (and starts its cooldown).
    function eject(uint256 opSeed, uint256 quorumSeed) external {
        uint256 op = opSeed % _pool.length;
        uint192 toRemove = _subsetOfCurrent(op, quorumSeed);
        if (toRemove == 0) return;
        vm.prank(ejector);
        coordinator.ejectOperator(_pool[op].addr, _bytes(toRemove));
        _lastEjection[op] = block.timestamp;
        _removeFromModel(op, toRemove);
        ++ejections;
        _snapshot();
    }

    /// @notice With the core's test double: changes an operator's delegated shares in one strategy (what a
    ///         deposit, delegation, withdrawal or slash does); the registries see it at the next stake update.
    function setShares(uint256 opSeed, uint256 strategySeed, uint256 amount) external {
        uint256 op = opSeed % _pool.length;
        // A tenth of the changes drop to zero so operators fall below the minimum.
        amount = amount % 10 == 0 ? 0 : _bound(amount, 1, MAX_SHARES);
        shareSetter.setOperatorShares(_pool[op].addr, _strategies[strategySeed % 4], amount);
    }

    /// @notice Refreshes the stakes of a subset of the pool (registered or not, in any order).
    function updateOperators(uint256 mask) external {
        uint256 n = _pool.length;
        uint256 count;
        for (uint256 i = 0; i < n; ++i) {
            if (mask >> i & 1 == 1) ++count;
        }
        address[] memory list = new address[](count);
        uint256 k;
        for (uint256 i = 0; i < n; ++i) {
            if (mask >> i & 1 == 1) list[k++] = _pool[i].addr;
        }
        coordinator.updateOperators(list);
        for (uint256 i = 0; i < n; ++i) {
            if (mask >> i & 1 == 1) _refreshInModel(i, modelBitmap[i]);
        }
        _snapshot();
    }

    /// @notice Refreshes every operator of one quorum (the full list, sorted by address).
    function updateOperatorsForQuorum(uint256 quorumSeed) external {
        uint8 q = uint8(quorumSeed % QUORUM_COUNT);
        uint256 n = _pool.length;
        address[] memory members = new address[](_memberCount(q));
        uint256[] memory memberOps = new uint256[](members.length);
        uint256 k;
        for (uint256 i = 0; i < n; ++i) {
            if (!BitmapUtils.isSet(modelBitmap[i], q)) continue;
            // insertion sort by address
            uint256 j = k++;
            while (j > 0 && members[j - 1] > _pool[i].addr) {
                (members[j], memberOps[j]) = (members[j - 1], memberOps[j - 1]);
                --j;
            }
            (members[j], memberOps[j]) = (_pool[i].addr, i);
        }
        address[][] memory perQuorum = new address[][](1);
        perQuorum[0] = members;
        coordinator.updateOperatorsForQuorum(perQuorum, _bytes(uint192(1) << q));
        for (uint256 j = 0; j < memberOps.length; ++j) {
            _refreshInModel(memberOps[j], uint192(1) << q);
        }
        _snapshot();
    }

    /// @notice The owner changes a quorum's minimum stake (effective at the next registration or update).
    function setMinimumStake(uint256 quorumSeed, uint256 minimum) external {
        uint8 q = uint8(quorumSeed % QUORUM_COUNT);
        uint96 m = uint96(_bound(minimum, 0, MAX_MINIMUM));
        vm.prank(owner);
        stakeRegistry.setMinimumStakeForQuorum(q, m);
        modelMinimum[q] = m;
    }

    /// @notice Moves to a later block (12 s each); one advance in eight also passes the ejection cooldown.
    function advance(uint256 blocks, uint256 longWaitSeed) external {
        uint256 n = _bound(blocks, 1, 30);
        vm.roll(block.number + n);
        vm.warp(block.timestamp + n * 12 + (longWaitSeed % 8 == 0 ? ejectionCooldown + 1 : 0));
    }

    // ---------------------------------------------------------------- views for the invariants

    function poolSize() external view returns (uint256) {
        return _pool.length;
    }

    function operator(uint256 op) external view returns (address addr, bytes32 id, BN254.G1Point memory pk1) {
        PoolOperator storage o = _pool[op];
        return (o.addr, o.id, o.pk1);
    }

    function recordedBlockCount() external view returns (uint256) {
        return _blocks.length;
    }

    function recordedBlock(uint256 i) external view returns (uint32) {
        return _blocks[i];
    }

    /// @notice The model at the end of recorded block `b`.
    function snapBitmap(uint32 b, uint256 op) external view returns (uint192) {
        return _snapBitmap[b][op];
    }

    function snapStake(uint32 b, uint256 op, uint8 q) external view returns (uint96) {
        return _snapStake[b][op][q];
    }

    function snapEverHadMember(uint32 b, uint8 q) external view returns (bool) {
        return _snapEver[b][q];
    }

    /// @notice The model's current member count of quorum `q`.
    function memberCount(uint8 q) external view returns (uint256) {
        return _memberCount(q);
    }

    // ---------------------------------------------------------------- internals

    /// @notice The operator's weight in `q` computed from the shares and the configured multipliers (rounding
    ///         per strategy, saturating at uint96 max, as the StakeRegistry documents) and whether it meets the
    ///         model's minimum.
    function _weight(uint256 op, uint8 q) internal view returns (uint96 weight, bool meets) {
        uint256 total;
        IStrategy[] memory pair = new IStrategy[](2);
        (pair[0], pair[1]) = (_strategies[2 * q], _strategies[2 * q + 1]);
        uint256[] memory shares = delegationView.getOperatorShares(_pool[op].addr, pair);
        for (uint256 s = 0; s < 2; ++s) {
            total += shares[s] * _multipliers[q][s] / WEIGHTING_DIVISOR;
        }
        weight = total > type(uint96).max ? type(uint96).max : uint96(total);
        meets = weight >= modelMinimum[q];
    }

    /// @notice What a stake update does to the model: new weight, or removal below the minimum.
    function _refreshInModel(uint256 op, uint192 quorums) internal {
        uint192 removed;
        for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
            if (!BitmapUtils.isSet(quorums, q) || !BitmapUtils.isSet(modelBitmap[op], q)) continue;
            (uint96 w, bool meets) = _weight(op, q);
            if (meets) {
                modelStake[op][q] = w;
            } else {
                removed |= uint192(1) << q;
            }
        }
        if (removed != 0) {
            _removeFromModel(op, removed);
            ++minimumDrops;
        }
    }

    function _removeFromModel(uint256 op, uint192 quorums) internal {
        modelBitmap[op] &= ~quorums;
        for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
            if (BitmapUtils.isSet(quorums, q)) modelStake[op][q] = 0;
        }
    }

    /// @notice A non-empty subset of the operator's current quorums chosen by `seed` (0 when it has none).
    function _subsetOfCurrent(uint256 op, uint256 seed) internal view returns (uint192 subset) {
        uint192 current = modelBitmap[op];
        if (current == 0) return 0;
        subset = uint192((seed % 3) + 1) & current;
        if (subset == 0) subset = current;
    }

    function _memberCount(uint8 q) internal view returns (uint256 count) {
        for (uint256 i = 0; i < _pool.length; ++i) {
            if (BitmapUtils.isSet(modelBitmap[i], q)) ++count;
        }
    }

    /// @notice A member of `q` the newcomer may kick under the quorum's churn thresholds, starting the search
    ///         at `seed` (type(uint256).max when none qualifies).
    function _churnVictim(uint256 newcomer, uint8 q, uint96 newStake, uint256 seed) internal view returns (uint256) {
        IRegistryCoordinator.OperatorSetParam memory p = coordinator.getOperatorSetParams(q);
        uint256 totalAfter = uint256(newStake);
        for (uint256 i = 0; i < _pool.length; ++i) {
            totalAfter += modelStake[i][q];
        }
        for (uint256 k = 0; k < _pool.length; ++k) {
            uint256 i = (seed + k) % _pool.length;
            if (i == newcomer || !BitmapUtils.isSet(modelBitmap[i], q)) continue;
            uint256 kickedStake = modelStake[i][q];
            if (newStake <= kickedStake * p.kickBIPsOfOperatorStake / 10000) continue;
            if (kickedStake >= totalAfter * p.kickBIPsOfTotalStake / 10000) continue;
            return i;
        }
        return type(uint256).max;
    }

    function _registerWithChurn(uint256 op, uint8 q, uint256 kicked) internal {
        PoolOperator storage o = _pool[op];
        IRegistryCoordinator.OperatorKickParam[] memory kick = new IRegistryCoordinator.OperatorKickParam[](1);
        kick[0] = IRegistryCoordinator.OperatorKickParam({quorumNumber: q, operator: _pool[kicked].addr});
        bytes32 salt = keccak256(abi.encode("invariant-churn", ++_churnSalt));
        uint256 expiry = block.timestamp + 1 hours;
        bytes32 digest = coordinator.calculateOperatorChurnApprovalDigestHash(o.addr, o.id, kick, salt, expiry);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(churnApproverKey, digest);
        ISignatureUtils.SignatureWithSaltAndExpiry memory approval = ISignatureUtils.SignatureWithSaltAndExpiry({
            signature: abi.encodePacked(r, s, v), salt: salt, expiry: expiry
        });
        ISignatureUtils.SignatureWithSaltAndExpiry memory avsSignature = _avsSignature(op);
        vm.prank(o.addr);
        coordinator.registerOperatorWithChurn(
            _bytes(uint192(1) << q), "localhost:32005", o.params, kick, approval, avsSignature
        );
    }

    /// @notice Stores the model as the state at the end of the current block (later actions in the same
    ///         block overwrite it, as the registries collapse updates within a block).
    function _snapshot() internal {
        uint32 b = uint32(block.number);
        if (_blocks.length == 0 || _blocks[_blocks.length - 1] != b) _blocks.push(b);
        for (uint256 i = 0; i < _pool.length; ++i) {
            _snapBitmap[b][i] = modelBitmap[i];
            for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
                _snapStake[b][i][q] = modelStake[i][q];
            }
        }
        for (uint8 q = 0; q < QUORUM_COUNT; ++q) {
            _snapEver[b][q] = modelEverHadMember[q];
        }
    }

    function _bytes(uint192 bitmap) internal pure returns (bytes memory) {
        return BitmapUtils.bitmapToBytesArray(bitmap);
    }

    /// @notice The operator's consent to the AVS registration (none with the AVSDirectory's test double).
    function _avsSignature(uint256) internal virtual returns (ISignatureUtils.SignatureWithSaltAndExpiry memory s) {}

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}
