// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Types of the payment vault (EigenDA v2 `IPaymentVault` shape).
interface IPaymentVaultTypes {
    /// @notice Bandwidth bought for a period: `symbolsPerSecond` 32-byte symbols per second from `startTimestamp`
    ///         (inclusive) to `endTimestamp` (exclusive), both Unix seconds, for blobs dispersed to a subset of
    ///         `quorumNumbers` (strictly ascending); `quorumSplits[i]` is the percentage of the reservation's
    ///         payment that goes to quorum `quorumNumbers[i]` (the splits sum to 100).
    struct Reservation {
        uint64 symbolsPerSecond;
        uint64 startTimestamp;
        uint64 endTimestamp;
        bytes quorumNumbers;
        bytes quorumSplits;
    }

    /// @notice The global on-demand parameters, read in one call by the disperser, the nodes and the client.
    /// @param pricePerSymbol wei per charged symbol
    /// @param minNumSymbols the fewest symbols a blob is charged for
    /// @param onDemandSymbolsPerSecond ceiling on the on-demand symbols the network accepts per second, all
    ///        accounts together
    /// @param onDemandQuorumNumbers the quorums on-demand blobs may be dispersed to (strictly ascending)
    struct PaymentParams {
        uint64 pricePerSymbol;
        uint64 minNumSymbols;
        uint64 onDemandSymbolsPerSecond;
        bytes onDemandQuorumNumbers;
    }
}

/// @title Errors of the payment vault.
interface IPaymentVaultErrors {
    /// @notice Only the owner may call this function; `caller` is not it.
    error OnlyOwner(address caller);
    /// @notice A reservation must end after it starts.
    error InvalidReservationPeriod(uint64 startTimestamp, uint64 endTimestamp);
    /// @notice A reservation must reserve a non-zero rate.
    error ZeroSymbolsPerSecond();
    /// @notice A quorum list must name at least one quorum.
    error NoQuorums();
    /// @notice Quorum numbers must be strictly ascending and below 192 (the registries' bitmap width).
    error InvalidQuorumNumbers(bytes quorumNumbers);
    /// @notice A reservation needs one split per quorum.
    error QuorumSplitsLengthMismatch(uint256 quorums, uint256 splits);
    /// @notice A reservation's quorum splits must sum to 100 (percent).
    error QuorumSplitsSumNot100(uint256 sum);
    /// @notice `account` is the zero address.
    error ZeroAccount();
    /// @notice `account` has no reservation to cancel.
    error NoReservation(address account);
    /// @notice A deposit must carry ether.
    error ZeroDeposit();
    /// @notice The price per symbol must be non-zero (a free on-demand tier would be unmetered).
    error ZeroPricePerSymbol();
    /// @notice Blobs must be charged for at least one symbol.
    error ZeroMinNumSymbols();
    /// @notice The global on-demand rate must be non-zero.
    error ZeroOnDemandSymbolsPerSecond();
    /// @notice The rewards recipient must be set (non-zero).
    error ZeroRewardsRecipient();
    /// @notice Moving `requested` wei exceeds the vault's balance `balance`.
    error InsufficientVaultBalance(uint256 requested, uint256 balance);
    /// @notice Moving funds must move a non-zero amount.
    error ZeroAmount();
    /// @notice The rewards recipient refused the transfer.
    error RewardsTransferFailed(address recipient, uint256 amount);
    /// @notice Ether must arrive through `depositOnDemand`, which names the account it pays for.
    error DirectTransferRefused();
}

/// @title Events of the payment vault.
interface IPaymentVaultEvents {
    /// @notice `account`'s reservation changed (a cancelled one reads as all zeros).
    event ReservationUpdated(address indexed account, IPaymentVaultTypes.Reservation reservation);
    /// @notice `from` deposited `amount` wei for `account`, whose deposits now total `totalDeposit`.
    event OnDemandDeposited(address indexed account, address indexed from, uint256 amount, uint256 totalDeposit);
    /// @notice The price per symbol changed.
    event PricePerSymbolUpdated(uint64 previous, uint64 current);
    /// @notice The minimum number of charged symbols changed.
    event MinNumSymbolsUpdated(uint64 previous, uint64 current);
    /// @notice The global on-demand rate changed.
    event OnDemandSymbolsPerSecondUpdated(uint64 previous, uint64 current);
    /// @notice The quorums on-demand blobs may use changed.
    event OnDemandQuorumNumbersUpdated(bytes previous, bytes current);
    /// @notice The rewards recipient changed.
    event RewardsRecipientUpdated(address previous, address current);
    /// @notice `amount` wei of collected funds moved to the rewards recipient `recipient`.
    event FundsMovedToRewards(address indexed recipient, uint256 amount);
    /// @notice Ownership moved from `previous` to `current`.
    event OwnershipTransferred(address indexed previous, address indexed current);
}

/// @title Lamina's payment vault: reservations set by governance and on-demand deposits.
/// @notice The vault only records: the disperser meters usage against it off-chain and the nodes refuse to sign
///         blobs of accounts that have not paid (see the `lamina-payments` crate).
interface IPaymentVault is IPaymentVaultTypes, IPaymentVaultErrors, IPaymentVaultEvents {
    /// @notice Sets (or replaces) `account`'s reservation. Owner only.
    function setReservation(address account, Reservation calldata reservation) external;
    /// @notice Deletes `account`'s reservation. Owner only.
    function cancelReservation(address account) external;
    /// @notice Adds `msg.value` wei to `account`'s on-demand deposit. Anyone may pay for anyone. Deposits are
    ///         never withdrawn: the disperser accounts cumulative payments against the total ever deposited, so a
    ///         withdrawal would let an account spend the same wei twice (EigenDA's rule).
    function depositOnDemand(address account) external payable;
    /// @notice Moves `amount` wei of collected funds to the rewards recipient. Owner only; the only way ether
    ///         leaves the vault.
    function withdrawToRewards(uint256 amount) external;

    /// @notice Sets the price per symbol (wei). Owner only.
    function setPricePerSymbol(uint64 pricePerSymbol) external;
    /// @notice Sets the fewest symbols a blob is charged for. Owner only.
    function setMinNumSymbols(uint64 minNumSymbols) external;
    /// @notice Sets the global on-demand rate ceiling. Owner only.
    function setOnDemandSymbolsPerSecond(uint64 onDemandSymbolsPerSecond) external;
    /// @notice Sets the quorums on-demand blobs may use. Owner only.
    function setOnDemandQuorumNumbers(bytes calldata quorumNumbers) external;
    /// @notice Sets where collected funds go. Owner only.
    function setRewardsRecipient(address recipient) external;
    /// @notice Hands ownership to `newOwner`. Owner only.
    function transferOwnership(address newOwner) external;

    /// @notice The owner (governance).
    function owner() external view returns (address);
    /// @notice Where `withdrawToRewards` sends collected funds.
    function rewardsRecipient() external view returns (address);
    /// @notice Wei per charged symbol.
    function pricePerSymbol() external view returns (uint64);
    /// @notice The fewest symbols a blob is charged for.
    function minNumSymbols() external view returns (uint64);
    /// @notice The global on-demand rate ceiling (symbols per second).
    function onDemandSymbolsPerSecond() external view returns (uint64);
    /// @notice The quorums on-demand blobs may use.
    function onDemandQuorumNumbers() external view returns (bytes memory);
    /// @notice Every global parameter in one call.
    function getPaymentParams() external view returns (PaymentParams memory);
    /// @notice `account`'s reservation (all zeros when it has none).
    function getReservation(address account) external view returns (Reservation memory);
    /// @notice The reservations of `accounts`, same order.
    function getReservations(address[] calldata accounts) external view returns (Reservation[] memory);
    /// @notice Wei ever deposited for `account`.
    function getOnDemandTotalDeposit(address account) external view returns (uint256);
    /// @notice Wei ever deposited for each of `accounts`, same order.
    function getOnDemandTotalDeposits(address[] calldata accounts) external view returns (uint256[] memory);
    /// @notice Wei ever deposited, all accounts together.
    function totalDeposited() external view returns (uint256);
    /// @notice Wei ever moved to the rewards recipient.
    function totalMovedToRewards() external view returns (uint256);
}
