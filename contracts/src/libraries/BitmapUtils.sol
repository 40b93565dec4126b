// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Quorum sets as 256-bit bitmaps (bit n set = quorum n present), as eigenlayer-middleware's `BitmapUtils`.
/// @notice Quorum numbers travel as `bytes` (one quorum number per byte, strictly ascending) and are stored and
///         compared as bitmaps.
library BitmapUtils {
    /// @notice More than 256 quorum numbers: `length` bytes given.
    error BytesArrayLengthTooLong(uint256 length);
    /// @notice Quorum numbers must be strictly ascending (which also rules out duplicates).
    error BytesArrayNotOrdered();
    /// @notice A quorum number is at or above the allowed bound: bitmap `bitmap` exceeds bound `bitUpperBound`.
    error BitmapValueTooLarge(uint256 bitmap, uint8 bitUpperBound);

    /// @notice Bitmap of `bytesArray`, requiring strictly ascending quorum numbers.
    function orderedBytesArrayToBitmap(bytes memory bytesArray) internal pure returns (uint256 bitmap) {
        if (bytesArray.length > 256) revert BytesArrayLengthTooLong(bytesArray.length);
        uint256 previous;
        for (uint256 i = 0; i < bytesArray.length; ++i) {
            uint256 bit = uint256(1) << uint8(bytesArray[i]);
            // strictly ascending: each new bit is above every bit seen so far
            if (i != 0 && bit <= previous) revert BytesArrayNotOrdered();
            bitmap |= bit;
            previous = bit;
        }
    }

    /// @notice Bitmap of `bytesArray` (strictly ascending) whose quorum numbers are all below `bitUpperBound`.
    function orderedBytesArrayToBitmap(bytes memory bytesArray, uint8 bitUpperBound)
        internal
        pure
        returns (uint256 bitmap)
    {
        bitmap = orderedBytesArrayToBitmap(bytesArray);
        if (bitmap >> bitUpperBound != 0) revert BitmapValueTooLarge(bitmap, bitUpperBound);
    }

    /// @notice Bitmap of `bytesArray` without any ordering requirement (duplicates collapse).
    function bytesArrayToBitmap(bytes memory bytesArray) internal pure returns (uint256 bitmap) {
        if (bytesArray.length > 256) revert BytesArrayLengthTooLong(bytesArray.length);
        for (uint256 i = 0; i < bytesArray.length; ++i) {
            bitmap |= uint256(1) << uint8(bytesArray[i]);
        }
    }

    /// @notice Whether `bytesArray` is strictly ascending.
    function isArrayStrictlyAscendingOrdered(bytes memory bytesArray) internal pure returns (bool) {
        for (uint256 i = 1; i < bytesArray.length; ++i) {
            if (uint8(bytesArray[i]) <= uint8(bytesArray[i - 1])) return false;
        }
        return true;
    }

    /// @notice The set bits of `bitmap` as ascending quorum numbers.
    function bitmapToBytesArray(uint256 bitmap) internal pure returns (bytes memory bytesArray) {
        bytesArray = new bytes(countNumOnes(bitmap));
        uint256 n;
        for (uint256 i = 0; bitmap >> i != 0; ++i) {
            if ((bitmap >> i) & 1 == 1) {
                // forge-lint: disable-next-line(unsafe-typecast) -- i < 256: it indexes a bit of a uint256
                bytesArray[n++] = bytes1(uint8(i));
            }
        }
    }

    /// @notice Number of set bits (Kernighan: each step clears the lowest set bit).
    function countNumOnes(uint256 n) internal pure returns (uint16 count) {
        while (n != 0) {
            n &= n - 1;
            ++count;
        }
    }

    /// @notice Whether bit `numberToCheckForInclusion` is set.
    function isSet(uint256 bitmap, uint8 numberToCheckForInclusion) internal pure returns (bool) {
        return (bitmap >> numberToCheckForInclusion) & 1 == 1;
    }

    /// @notice Alias of `isSet` kept for upstream parity.
    function numberIsInBitmap(uint256 bitmap, uint8 numberToCheckForInclusion) internal pure returns (bool) {
        return isSet(bitmap, numberToCheckForInclusion);
    }

    /// @notice `bitmap` with bit `bit` set.
    function setBit(uint256 bitmap, uint8 bit) internal pure returns (uint256) {
        return bitmap | (uint256(1) << bit);
    }

    /// @notice Whether no bit is set.
    function isEmpty(uint256 bitmap) internal pure returns (bool) {
        return bitmap == 0;
    }

    /// @notice Whether `a` and `b` share no bit.
    function noBitsInCommon(uint256 a, uint256 b) internal pure returns (bool) {
        return a & b == 0;
    }

    /// @notice Whether every bit of `a` is set in `b`.
    function isSubsetOf(uint256 a, uint256 b) internal pure returns (bool) {
        return a & b == a;
    }

    /// @notice a ∪ b.
    function plus(uint256 a, uint256 b) internal pure returns (uint256) {
        return a | b;
    }

    /// @notice a \ b.
    function minus(uint256 a, uint256 b) internal pure returns (uint256) {
        return a & ~b;
    }
}
