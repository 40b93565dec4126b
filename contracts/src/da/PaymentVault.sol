// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPaymentVault} from "./interfaces/IPaymentVault.sol";

/// @title Reservations and on-demand deposits: what Lamina's payment metering reads from the chain.
/// @notice Two ways to pay for dispersal, as in EigenDA v2:
///         - a **reservation**: governance (the owner) grants an account `symbolsPerSecond` over
///           [`startTimestamp`, `endTimestamp`) on a set of quorums; the disperser and the nodes meter it with a
///           leaky bucket (the `lamina-payments` crate);
///         - **on-demand**: anyone deposits ether for an account with `depositOnDemand`; each blob's payment header
///           carries the account's new cumulative payment, which must grow by at least the blob's cost
///           (`max(minNumSymbols, symbols rounded up to a power of two) * pricePerSymbol`) and never exceed the
///           account's total deposit; the network accepts at most `onDemandSymbolsPerSecond` on-demand symbols
///           per second, all accounts together.
/// @notice **Deposits cannot be withdrawn** (EigenDA's choice). The disperser compares cumulative payments with
///         the total ever deposited; a withdrawal, even a delayed one, would need the vault to know what the
///         disperser has already accepted, and a withdrawal racing the disperser's accounting window would let an
///         account spend the same wei twice. Collected funds leave the vault only through `withdrawToRewards`,
///         called by the owner, to the configured rewards recipient.
/// @notice Deployed without a proxy and owned by one address, like the other DA contracts (`ThresholdRegistry`).
contract PaymentVault is IPaymentVault {
    /// @notice Percent denominator of the quorum splits.
    uint256 internal constant SPLIT_DENOMINATOR = 100;
    /// @notice Quorum numbers are bits of the registries' 192-bit bitmaps.
    uint256 internal constant MAX_QUORUM_COUNT = 192;

    /// @inheritdoc IPaymentVault
    address public owner;
    /// @inheritdoc IPaymentVault
    address public rewardsRecipient;
    /// @inheritdoc IPaymentVault
    uint64 public pricePerSymbol;
    /// @inheritdoc IPaymentVault
    uint64 public minNumSymbols;
    /// @inheritdoc IPaymentVault
    uint64 public onDemandSymbolsPerSecond;
    /// @inheritdoc IPaymentVault
    bytes public onDemandQuorumNumbers;
    /// @inheritdoc IPaymentVault
    uint256 public totalDeposited;
    /// @inheritdoc IPaymentVault
    uint256 public totalMovedToRewards;

    mapping(address account => Reservation reservation) internal _reservations;
    mapping(address account => uint256 totalDeposit) internal _onDemandDeposits;

    modifier onlyOwner() {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        _;
    }

    /// @param initialOwner governance: sets reservations and parameters, moves collected funds
    /// @param initialRewardsRecipient where collected funds go
    /// @param params the initial global parameters (each validated as its setter does)
    constructor(address initialOwner, address initialRewardsRecipient, PaymentParams memory params) {
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
        _setRewardsRecipient(initialRewardsRecipient);
        _setPricePerSymbol(params.pricePerSymbol);
        _setMinNumSymbols(params.minNumSymbols);
        _setOnDemandSymbolsPerSecond(params.onDemandSymbolsPerSecond);
        _setOnDemandQuorumNumbers(params.onDemandQuorumNumbers);
    }

    // ------------------------------------------------------------------ reservations

    /// @inheritdoc IPaymentVault
    function setReservation(address account, Reservation calldata reservation) external onlyOwner {
        if (account == address(0)) revert ZeroAccount();
        if (reservation.symbolsPerSecond == 0) revert ZeroSymbolsPerSecond();
        if (reservation.endTimestamp <= reservation.startTimestamp) {
            revert InvalidReservationPeriod(reservation.startTimestamp, reservation.endTimestamp);
        }
        _checkQuorumNumbers(reservation.quorumNumbers);
        if (reservation.quorumSplits.length != reservation.quorumNumbers.length) {
            revert QuorumSplitsLengthMismatch(reservation.quorumNumbers.length, reservation.quorumSplits.length);
        }
        uint256 sum = 0;
        for (uint256 i = 0; i < reservation.quorumSplits.length; ++i) {
            sum += uint8(reservation.quorumSplits[i]);
        }
        if (sum != SPLIT_DENOMINATOR) revert QuorumSplitsSumNot100(sum);
        _reservations[account] = reservation;
        emit ReservationUpdated(account, reservation);
    }

    /// @inheritdoc IPaymentVault
    function cancelReservation(address account) external onlyOwner {
        if (_reservations[account].symbolsPerSecond == 0) revert NoReservation(account);
        delete _reservations[account];
        emit ReservationUpdated(account, _reservations[account]);
    }

    // ------------------------------------------------------------------ on-demand

    /// @inheritdoc IPaymentVault
    function depositOnDemand(address account) external payable {
        if (account == address(0)) revert ZeroAccount();
        if (msg.value == 0) revert ZeroDeposit();
        uint256 total = _onDemandDeposits[account] + msg.value;
        _onDemandDeposits[account] = total;
        totalDeposited += msg.value;
        emit OnDemandDeposited(account, msg.sender, msg.value, total);
    }

    /// @notice Plain transfers carry no account: refused, so every wei in the vault is some account's deposit.
    receive() external payable {
        revert DirectTransferRefused();
    }

    /// @inheritdoc IPaymentVault
    function withdrawToRewards(uint256 amount) external onlyOwner {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = address(this).balance;
        if (amount > balance) revert InsufficientVaultBalance(amount, balance);
        address recipient = rewardsRecipient;
        // Effects before the call: a re-entering recipient sees the moved amount accounted already.
        totalMovedToRewards += amount;
        emit FundsMovedToRewards(recipient, amount);
        (bool ok,) = recipient.call{value: amount}("");
        if (!ok) revert RewardsTransferFailed(recipient, amount);
    }

    // ------------------------------------------------------------------ parameters

    /// @inheritdoc IPaymentVault
    function setPricePerSymbol(uint64 pricePerSymbol_) external onlyOwner {
        _setPricePerSymbol(pricePerSymbol_);
    }

    /// @inheritdoc IPaymentVault
    function setMinNumSymbols(uint64 minNumSymbols_) external onlyOwner {
        _setMinNumSymbols(minNumSymbols_);
    }

    /// @inheritdoc IPaymentVault
    function setOnDemandSymbolsPerSecond(uint64 onDemandSymbolsPerSecond_) external onlyOwner {
        _setOnDemandSymbolsPerSecond(onDemandSymbolsPerSecond_);
    }

    /// @inheritdoc IPaymentVault
    function setOnDemandQuorumNumbers(bytes calldata quorumNumbers) external onlyOwner {
        _setOnDemandQuorumNumbers(quorumNumbers);
    }

    /// @inheritdoc IPaymentVault
    function setRewardsRecipient(address recipient) external onlyOwner {
        _setRewardsRecipient(recipient);
    }

    /// @inheritdoc IPaymentVault
    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function _setPricePerSymbol(uint64 value) internal {
        if (value == 0) revert ZeroPricePerSymbol();
        emit PricePerSymbolUpdated(pricePerSymbol, value);
        pricePerSymbol = value;
    }

    function _setMinNumSymbols(uint64 value) internal {
        if (value == 0) revert ZeroMinNumSymbols();
        emit MinNumSymbolsUpdated(minNumSymbols, value);
        minNumSymbols = value;
    }

    function _setOnDemandSymbolsPerSecond(uint64 value) internal {
        if (value == 0) revert ZeroOnDemandSymbolsPerSecond();
        emit OnDemandSymbolsPerSecondUpdated(onDemandSymbolsPerSecond, value);
        onDemandSymbolsPerSecond = value;
    }

    function _setOnDemandQuorumNumbers(bytes memory quorumNumbers) internal {
        _checkQuorumNumbers(quorumNumbers);
        emit OnDemandQuorumNumbersUpdated(onDemandQuorumNumbers, quorumNumbers);
        onDemandQuorumNumbers = quorumNumbers;
    }

    function _setRewardsRecipient(address recipient) internal {
        if (recipient == address(0)) revert ZeroRewardsRecipient();
        emit RewardsRecipientUpdated(rewardsRecipient, recipient);
        rewardsRecipient = recipient;
    }

    /// @notice Reverts unless `quorumNumbers` is non-empty, strictly ascending and below `MAX_QUORUM_COUNT`.
    function _checkQuorumNumbers(bytes memory quorumNumbers) internal pure {
        if (quorumNumbers.length == 0) revert NoQuorums();
        uint256 previous = 0;
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint256 q = uint8(quorumNumbers[i]);
            if (q >= MAX_QUORUM_COUNT || (i != 0 && q <= previous)) revert InvalidQuorumNumbers(quorumNumbers);
            previous = q;
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPaymentVault
    function getPaymentParams() external view returns (PaymentParams memory) {
        return PaymentParams({
            pricePerSymbol: pricePerSymbol,
            minNumSymbols: minNumSymbols,
            onDemandSymbolsPerSecond: onDemandSymbolsPerSecond,
            onDemandQuorumNumbers: onDemandQuorumNumbers
        });
    }

    /// @inheritdoc IPaymentVault
    function getReservation(address account) external view returns (Reservation memory) {
        return _reservations[account];
    }

    /// @inheritdoc IPaymentVault
    function getReservations(address[] calldata accounts) external view returns (Reservation[] memory out) {
        out = new Reservation[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) {
            out[i] = _reservations[accounts[i]];
        }
    }

    /// @inheritdoc IPaymentVault
    function getOnDemandTotalDeposit(address account) external view returns (uint256) {
        return _onDemandDeposits[account];
    }

    /// @inheritdoc IPaymentVault
    function getOnDemandTotalDeposits(address[] calldata accounts) external view returns (uint256[] memory out) {
        out = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) {
            out[i] = _onDemandDeposits[accounts[i]];
        }
    }
}
