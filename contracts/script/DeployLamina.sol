// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {DeployCore} from "./DeployCore.sol";
import {IAVSDirectory} from "../src/interfaces/IAVSDirectory.sol";
import {IDelegationManager} from "../src/interfaces/IDelegationManager.sol";
import {IStrategy} from "../src/interfaces/IStrategy.sol";
import {IAllocationManager, IAllocationManagerTypes} from "../src/interfaces/IAllocationManager.sol";
import {VetoableSlasher} from "../src/core/VetoableSlasher.sol";
import {TestToken} from "../src/test/TestToken.sol";
import {RegistryCoordinator} from "../src/middleware/RegistryCoordinator.sol";
import {BLSApkRegistry} from "../src/middleware/BLSApkRegistry.sol";
import {StakeRegistry} from "../src/middleware/StakeRegistry.sol";
import {IndexRegistry} from "../src/middleware/IndexRegistry.sol";
import {OperatorStateRetriever} from "../src/middleware/OperatorStateRetriever.sol";
import {IRegistryCoordinator} from "../src/middleware/interfaces/IRegistryCoordinator.sol";
import {IStakeRegistry} from "../src/middleware/interfaces/IStakeRegistry.sol";
import {LaminaServiceManager} from "../src/da/LaminaServiceManager.sol";
import {ThresholdRegistry} from "../src/da/ThresholdRegistry.sol";
import {CertVerifier} from "../src/da/CertVerifier.sol";
import {PaymentVault} from "../src/da/PaymentVault.sol";
import {RewardsCoordinator} from "../src/core/RewardsCoordinator.sol";
import {IStrategyManager} from "../src/interfaces/IStrategyManager.sol";
import {IPaymentVaultTypes} from "../src/da/interfaces/IPaymentVault.sol";
import {DATypes} from "../src/da/DATypes.sol";

/// @title Deploys the whole Lamina system: restaking core (via DeployCore), middleware and DA contracts.
/// @notice Devnet configuration:
///         - quorum 0 weighs strategies 0 and 1, quorum 1 weighs strategies 2 and 3 (each over its own
///           TestToken), all at multiplier 1e18, minimum stake 1, at most 200 operators, churn thresholds as
///           EigenDA (kick if the newcomer has 110% of the kicked stake and the kicked has < 0.5% of the total);
///         - thresholds 55% confirmation / 33% adversary; required quorums 0 and 1 (as EigenDA);
///         - blob version 0 = {maxNumOperators: 3537, numChunks: 8192, codingRate: 8} (EigenDA's):
///           8 * (8192 - 3537) * (55 - 33) = 819280 >= 100 * 8192 = 819200;
///         - blob version 1 = {maxNumOperators: 8, numChunks: 64, codingRate: 8} for small devnets:
///           8 * (64 - 8) * (55 - 33) = 9856 >= 100 * 64 = 6400 (numChunks 16 would fail: 1408 < 1600);
///         - operator set q of the service manager (the AVS) holds quorum q's strategies; operators join it through
///           `AllocationManager.registerForOperatorSets` and allocate magnitude to make their stake slashable;
///         - a VetoableSlasher (veto window 25, stake-use window 50) is the AVS's slasher; the owner is both its
///           slasher role and its veto committee (a devnet has one trusted key; production splits them);
///         - a PaymentVault: 1 gwei per symbol, blobs charged at least 4096 symbols (EigenDA's minimum), on-demand
///           traffic capped at 2^20 symbols/s (32 MiB/s) network-wide on quorums 0 and 1; its rewards recipient is
///           the service manager, so the fees the owner moves out (`withdrawToRewards`, owner only) can only become
///           rewards submissions (the service manager's `createAVSRewardsSubmission`, owner only);
///         - a RewardsCoordinator with the service manager as its AVS and the owner as owner and rewards updater;
///           devnet time rules (DEVNET_REWARDS_*): 60-second calculation intervals so a demo fits in minutes
///           (EigenLayer mainnet: 1 day), periods up to 7 days, starts up to 7 days back or ahead, roots and split
///           changes active 60 s after posting, default commission 10 %;
///         - reference-block windows follow one constant, DEVNET_STAKE_USE_WINDOW_BLOCKS: confirmBatch's
///           BLOCK_STALE_MEASURE = 50 and the checker's stale-stakes window = 100 - 25 - 50 = 25 (see DeployCore).
abstract contract DeployLamina is DeployCore {
    /// @notice Confirmation threshold, percent.
    uint8 internal constant CONFIRMATION_THRESHOLD = 55;
    /// @notice Adversary threshold, percent.
    uint8 internal constant ADVERSARY_THRESHOLD = 33;
    /// @notice Per-quorum operator cap.
    uint32 internal constant MAX_OPERATOR_COUNT = 200;
    /// @notice Seconds an ejected operator waits before registering again.
    uint256 internal constant EJECTION_COOLDOWN = 1 hours;
    /// @notice On-demand price, wei per symbol.
    uint64 internal constant PRICE_PER_SYMBOL = 1 gwei;
    /// @notice The fewest symbols a blob is charged for (EigenDA's `minNumSymbols`).
    uint64 internal constant MIN_NUM_SYMBOLS = 4096;
    /// @notice Network-wide on-demand ceiling, symbols per second (2^20 symbols = 32 MiB).
    uint64 internal constant ON_DEMAND_SYMBOLS_PER_SECOND = 1 << 20;
    /// @notice Rewards calculation interval on devnets (EigenLayer: 1 day).
    uint32 internal constant DEVNET_REWARDS_INTERVAL = 60;
    /// @notice Longest rewards period, and how far back or ahead one may start, on devnets.
    uint32 internal constant DEVNET_REWARDS_MAX_PERIOD = 7 days;
    /// @notice Seconds before a root (or an operator's split change) takes effect on devnets (EigenLayer: 1 week).
    uint32 internal constant DEVNET_REWARDS_ACTIVATION_DELAY = 60;
    /// @notice Commission of operators that set none (EigenLayer's 10 %).
    uint16 internal constant DEFAULT_OPERATOR_SPLIT_BIPS = 1000;

    /// @notice Every address the deployment produced.
    struct LaminaDeployment {
        CoreDeployment core;
        TestToken[4] tokens;
        IStrategy[4] strategies;
        RegistryCoordinator registryCoordinator;
        BLSApkRegistry blsApkRegistry;
        StakeRegistry stakeRegistry;
        IndexRegistry indexRegistry;
        OperatorStateRetriever operatorStateRetriever;
        LaminaServiceManager serviceManager;
        ThresholdRegistry thresholdRegistry;
        CertVerifier certVerifier;
        VetoableSlasher vetoableSlasher;
        PaymentVault paymentVault;
        RewardsCoordinator rewardsCoordinator;
    }

    /// @notice The quorums every blob must be dispersed to.
    function _requiredQuorums() internal pure returns (bytes memory) {
        return hex"0001";
    }

    /// @notice Deploys everything with `owner` as owner, churn approver, ejector, batch confirmer, slasher role and
    ///         veto committee.
    /// @dev The caller must be `owner` (one-time wiring calls are owner-only).
    function _deployLamina(address owner) internal returns (LaminaDeployment memory d) {
        d.core = _deployCore(owner);
        for (uint256 i = 0; i < 4; ++i) {
            d.tokens[i] = new TestToken(_tokenName(i), _tokenSymbol(i));
            d.strategies[i] = _deployStrategy(d.core, IERC20(address(d.tokens[i])));
        }

        d.registryCoordinator = new RegistryCoordinator(owner, owner, owner, EJECTION_COOLDOWN);
        address coordinator = address(d.registryCoordinator);
        d.blsApkRegistry = new BLSApkRegistry(coordinator);
        d.stakeRegistry = new StakeRegistry(coordinator, IDelegationManager(address(d.core.delegationManager)));
        d.indexRegistry = new IndexRegistry(coordinator);
        d.registryCoordinator.initialize(d.stakeRegistry, d.blsApkRegistry, d.indexRegistry);

        DATypes.SecurityThresholds memory thresholds = DATypes.SecurityThresholds({
            confirmationThreshold: CONFIRMATION_THRESHOLD, adversaryThreshold: ADVERSARY_THRESHOLD
        });
        d.thresholdRegistry = new ThresholdRegistry(owner, thresholds, _requiredQuorums());
        d.thresholdRegistry
            .addVersionedBlobParams(
                DATypes.VersionedBlobParams({maxNumOperators: 3537, numChunks: 8192, codingRate: 8})
            );
        d.thresholdRegistry
                .addVersionedBlobParams(DATypes.VersionedBlobParams({maxNumOperators: 8, numChunks: 64, codingRate: 8}));

        d.serviceManager = new LaminaServiceManager(
            IAVSDirectory(address(d.core.avsDirectory)),
            d.registryCoordinator,
            d.thresholdRegistry,
            IAllocationManager(address(d.core.allocationManager)),
            DEVNET_STAKE_USE_WINDOW_BLOCKS,
            owner
        );
        d.registryCoordinator.setServiceManager(d.serviceManager);
        // No batch confirmer: the owner is a well-known key on devnets, and a confirmer is who nodes sign for. The
        // disperser's own account is appointed afterwards (`Deploy.s.sol`'s BATCH_CONFIRMER, or the devnet).
        // Not upstream's full withdrawal delay: stake recorded at the window's start must stay slashable through
        // the stake-use and veto windows too (DeployCore). Enforcement stays off on devnets, as on EigenDA, because
        // nobody refreshes quorums there; the window is ready for `setStaleStakesForbidden(true)`.
        d.serviceManager.setStaleStakesWindowBlocks(DEVNET_STALE_STAKES_WINDOW_BLOCKS);

        IRegistryCoordinator.OperatorSetParam memory setParams = IRegistryCoordinator.OperatorSetParam({
            maxOperatorCount: MAX_OPERATOR_COUNT, kickBIPsOfOperatorStake: 11000, kickBIPsOfTotalStake: 50
        });
        for (uint256 q = 0; q < 2; ++q) {
            IStakeRegistry.StrategyParams[] memory params = new IStakeRegistry.StrategyParams[](2);
            params[0] = IStakeRegistry.StrategyParams(d.strategies[2 * q], 1e18);
            params[1] = IStakeRegistry.StrategyParams(d.strategies[2 * q + 1], 1e18);
            d.registryCoordinator.createQuorum(setParams, 1, params);
        }
        _wireSlashing(d, owner);

        d.operatorStateRetriever = new OperatorStateRetriever();
        d.certVerifier = new CertVerifier(d.thresholdRegistry, d.serviceManager);
        d.paymentVault = new PaymentVault(
            owner,
            address(d.serviceManager),
            IPaymentVaultTypes.PaymentParams({
                pricePerSymbol: PRICE_PER_SYMBOL,
                minNumSymbols: MIN_NUM_SYMBOLS,
                onDemandSymbolsPerSecond: ON_DEMAND_SYMBOLS_PER_SECOND,
                onDemandQuorumNumbers: _requiredQuorums()
            })
        );
        d.rewardsCoordinator = new RewardsCoordinator(
            IDelegationManager(address(d.core.delegationManager)),
            IStrategyManager(address(d.core.strategyManager)),
            owner,
            owner,
            DEVNET_REWARDS_ACTIVATION_DELAY,
            DEFAULT_OPERATOR_SPLIT_BIPS,
            RewardsCoordinator.TimeParams({
                calculationIntervalSeconds: DEVNET_REWARDS_INTERVAL,
                maxRewardsDuration: DEVNET_REWARDS_MAX_PERIOD,
                maxRetroactiveLength: DEVNET_REWARDS_MAX_PERIOD,
                maxFutureLength: DEVNET_REWARDS_MAX_PERIOD,
                genesisRewardsTimestamp: 0
            })
        );
        d.serviceManager.setRewardsCoordinator(d.rewardsCoordinator);
    }

    /// @notice Creates operator set q over quorum q's strategies and appoints a VetoableSlasher with `owner` as
    ///         slasher role and veto committee. Its constructor checks veto + stake-use < both core delays.
    function _wireSlashing(LaminaDeployment memory d, address owner) internal {
        IAllocationManagerTypes.CreateSetParams[] memory sets = new IAllocationManagerTypes.CreateSetParams[](2);
        for (uint256 q = 0; q < 2; ++q) {
            // forge-lint: disable-next-line(unsafe-typecast) -- q < 2
            sets[q].operatorSetId = uint32(q);
            sets[q].strategies = new IStrategy[](2);
            sets[q].strategies[0] = d.strategies[2 * q];
            sets[q].strategies[1] = d.strategies[2 * q + 1];
        }
        d.serviceManager.createOperatorSets(sets);
        d.vetoableSlasher = _deployVetoableSlasher(
            d.core, address(d.serviceManager), owner, owner, DEVNET_VETO_WINDOW_BLOCKS, DEVNET_STAKE_USE_WINDOW_BLOCKS
        );
        d.serviceManager.setSlasher(address(d.vetoableSlasher));
    }

    function _tokenName(uint256 i) internal pure returns (string memory) {
        return string.concat("Lamina Test Staked Token ", _digit(i));
    }

    function _tokenSymbol(uint256 i) internal pure returns (string memory) {
        return string.concat("LST", _digit(i));
    }

    function _digit(uint256 i) internal pure returns (string memory) {
        // forge-lint: disable-next-line(unsafe-typecast) -- i < 4
        return string(abi.encodePacked(bytes1(uint8(48 + i))));
    }
}
