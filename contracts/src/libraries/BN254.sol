// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title BN254 (alt_bn128) curve arithmetic over the EIP-196/197 precompiles, and BLS helpers.
/// @notice Same types, constants and algorithms as eigenlayer-middleware's `BN254` library, so that points,
///         hashes and operator ids agree bit for bit with EigenDA and with `lamina-core`.
/// @dev G2 coordinates follow EIP-197: an F_p^2 element `a*i + b` is stored as `[a, b]` (imaginary limb first).
library BN254 {
    /// @notice Modulus p of the base field F_p.
    uint256 internal constant FP_MODULUS =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @notice Order r of the groups (the scalar field F_r).
    uint256 internal constant FR_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice (p + 1) / 4: since p = 3 mod 4, beta^((p+1)/4) is a square root of beta whenever one exists.
    uint256 internal constant SQRT_EXPONENT = 0xc19139cb84c680a6e14116da060561765e05aa45a1c72a34f082305b61f3f52;

    /// @notice A point of G1 in affine coordinates; (0, 0) is the point at infinity.
    struct G1Point {
        uint256 X;
        uint256 Y;
    }

    /// @notice A point of G2 in affine coordinates, each coordinate an F_p^2 element `[imaginary, real]`.
    struct G2Point {
        uint256[2] X;
        uint256[2] Y;
    }

    /// @notice Gas handed to ecAdd (costs 150 since EIP-1108, 500 before). A failing precompile call burns all
    ///         the gas it was given, so a cap keeps a malformed point from draining the caller (checkDACert must
    ///         still be able to answer INVALID_CERT).
    uint256 internal constant EC_ADD_GAS = 5_000;
    /// @notice Gas handed to ecMul (costs 6,000 since EIP-1108, 40,000 before).
    uint256 internal constant EC_MUL_GAS = 50_000;
    /// @notice Gas handed to modexp for 32-byte operands (about 1,400 under EIP-2565).
    uint256 internal constant EXP_MOD_GAS = 50_000;

    /// @notice The ecAdd precompile (0x06) rejected its input (a coordinate off the curve).
    error ECAddFailed();
    /// @notice The ecMul precompile (0x07) rejected its input.
    error ECMulFailed();
    /// @notice The ecPairing precompile (0x08) rejected its input.
    error ECPairingFailed();
    /// @notice The modexp precompile (0x05) failed.
    error ExpModFailed();
    /// @notice `scalarMulTiny` only accepts scalars below 2^9; got `scalar`.
    error ScalarTooLarge(uint256 scalar);

    // G2 generator, EIP-197 order (x1, x0, y1, y0).
    uint256 internal constant G2X1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant G2X0 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant G2Y1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 internal constant G2Y0 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    // Negated G2 generator: same x, y = p - y limb by limb.
    uint256 internal constant NG2Y1 = 17805874995975841540914202342111839520379459829704422454583296818431106115052;
    uint256 internal constant NG2Y0 = 13392588948715843804641432497768002650278120570034223513918757245338268106653;

    /// @notice The G1 generator (1, 2).
    function generatorG1() internal pure returns (G1Point memory) {
        return G1Point(1, 2);
    }

    /// @notice The G2 generator.
    function generatorG2() internal pure returns (G2Point memory) {
        return G2Point([G2X1, G2X0], [G2Y1, G2Y0]);
    }

    /// @notice The negation of the G2 generator, used to move a pairing to the other side of an equation.
    function negGeneratorG2() internal pure returns (G2Point memory) {
        return G2Point([G2X1, G2X0], [NG2Y1, NG2Y0]);
    }

    /// @notice -p; the point at infinity stays at infinity.
    function negate(G1Point memory p) internal pure returns (G1Point memory) {
        if (p.X == 0 && p.Y == 0) {
            return G1Point(0, 0);
        }
        return G1Point(p.X, FP_MODULUS - (p.Y % FP_MODULUS));
    }

    /// @notice p1 + p2 via the ecAdd precompile.
    function plus(G1Point memory p1, G1Point memory p2) internal view returns (G1Point memory r) {
        uint256[4] memory input = [p1.X, p1.Y, p2.X, p2.Y];
        bool success;
        assembly ("memory-safe") {
            success := staticcall(EC_ADD_GAS, 0x06, input, 0x80, r, 0x40)
        }
        if (!success) revert ECAddFailed();
    }

    /// @notice s * p via the ecMul precompile.
    function scalar_mul(G1Point memory p, uint256 s) internal view returns (G1Point memory r) {
        uint256[3] memory input = [p.X, p.Y, s];
        bool success;
        assembly ("memory-safe") {
            success := staticcall(EC_MUL_GAS, 0x07, input, 0x60, r, 0x40)
        }
        if (!success) revert ECMulFailed();
    }

    /// @notice s * p by double-and-add over ecAdd, for s < 2^9 (cheaper than ecMul for the small
    ///         multiplicities the signature checker needs: a non-signer's count of signed quorums).
    function scalar_mul_tiny(G1Point memory p, uint16 s) internal view returns (G1Point memory acc) {
        if (s >= 1 << 9) revert ScalarTooLarge(s);
        if (s == 1) return p;
        // invariant: acc = (s mod 2^i) * p and doubled = 2^i * p
        G1Point memory doubled = p;
        bool accIsZero = true;
        while (s != 0) {
            if (s & 1 == 1) {
                // the first addend is copied, saving an ecAdd with the point at infinity
                acc = accIsZero ? doubled : plus(acc, doubled);
                accIsZero = false;
            }
            s >>= 1;
            if (s != 0) doubled = plus(doubled, doubled);
        }
    }

    /// @notice Whether e(a1, a2) * e(b1, b2) == 1, via the ecPairing precompile; reverts if it rejects the input.
    function pairing(G1Point memory a1, G2Point memory a2, G1Point memory b1, G2Point memory b2)
        internal
        view
        returns (bool)
    {
        (bool success, bool equal) = safePairing(a1, a2, b1, b2, gasleft());
        if (!success) revert ECPairingFailed();
        return equal;
    }

    /// @notice Like `pairing` but with a gas cap and no revert: returns (precompile succeeded, product is one).
    /// @dev The cap matters because a failing precompile call consumes all the gas it was given.
    function safePairing(G1Point memory a1, G2Point memory a2, G1Point memory b1, G2Point memory b2, uint256 pairingGas)
        internal
        view
        returns (bool success, bool equal)
    {
        uint256[12] memory input =
            [a1.X, a1.Y, a2.X[0], a2.X[1], a2.Y[0], a2.Y[1], b1.X, b1.Y, b2.X[0], b2.X[1], b2.Y[0], b2.Y[1]];
        uint256[1] memory out;
        assembly ("memory-safe") {
            success := staticcall(pairingGas, 0x08, input, 0x180, out, 0x20)
        }
        equal = success && out[0] != 0;
    }

    /// @notice keccak256(X || Y): an operator's id is the hash of its G1 public key.
    function hashG1Point(G1Point memory pk) internal pure returns (bytes32 hashed) {
        assembly ("memory-safe") {
            hashed := keccak256(pk, 0x40)
        }
    }

    /// @notice keccak256(X[0] || X[1] || Y[0] || Y[1]).
    function hashG2Point(G2Point memory pk) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(pk.X[0], pk.X[1], pk.Y[0], pk.Y[1]));
    }

    /// @notice Hashes a 32-byte message to G1 by try-and-increment, exactly as eigenlayer-middleware:
    ///         x = uint256(h) mod p; while x^3 + 3 is not a square, x = x + 1 mod p; then y = (x^3 + 3)^((p+1)/4).
    /// @dev y is the square root that is itself a quadratic residue (the "principal" root), not the smaller of
    ///      the two. Known answer: hashToG1(0) = (1, 2) because 3 is a non-residue mod p and 4^((p+1)/4) = 2.
    ///      Not constant time and not a random oracle into G1 (it is fine for the BLS scheme EigenDA uses).
    function hashToG1(bytes32 h) internal view returns (G1Point memory point) {
        uint256 x = uint256(h) % FP_MODULUS;
        while (true) {
            (uint256 beta, uint256 y) = findYFromX(x);
            if (beta == mulmod(y, y, FP_MODULUS)) {
                point = G1Point(x, y);
                return point;
            }
            // about half of all x give a square, so this terminates after a couple of steps
            x = addmod(x, 1, FP_MODULUS);
        }
    }

    /// @notice beta = x^3 + 3 mod p and its candidate square root beta^((p+1)/4).
    function findYFromX(uint256 x) internal view returns (uint256 beta, uint256 y) {
        beta = addmod(mulmod(mulmod(x, x, FP_MODULUS), x, FP_MODULUS), 3, FP_MODULUS);
        y = expMod(beta, SQRT_EXPONENT, FP_MODULUS);
    }

    /// @notice base^exponent mod modulus via the modexp precompile.
    function expMod(uint256 base, uint256 exponent, uint256 modulus) internal view returns (uint256 result) {
        uint256[6] memory input = [uint256(0x20), 0x20, 0x20, base, exponent, modulus];
        uint256[1] memory output;
        bool success;
        assembly ("memory-safe") {
            success := staticcall(EXP_MOD_GAS, 0x05, input, 0xc0, output, 0x20)
        }
        if (!success) revert ExpModFailed();
        result = output[0];
    }
}
