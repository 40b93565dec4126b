// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BN254} from "../../src/libraries/BN254.sol";

/// @title Test-only G2 arithmetic (affine, over F_p^2 = F_p[i]/(i^2 + 1)).
/// @notice Ethereum has no G2 addition or multiplication precompile, but tests need G2 public keys and
///         aggregate G2 keys. Slow (one modexp inversion per group operation) and not constant time: tests only.
///         Checked against py_ecc vectors in BLSTestVectors and by pairing against the G1 side.
library G2Ops {
    uint256 internal constant P = BN254.FP_MODULUS;

    /// @notice An F_p^2 element a0 + a1*i.
    struct Fp2 {
        uint256 a0;
        uint256 a1;
    }

    /// @notice s * G2.
    function mulGenerator(uint256 s) internal view returns (BN254.G2Point memory) {
        return mul(BN254.generatorG2(), s);
    }

    /// @notice s * q by double-and-add.
    function mul(BN254.G2Point memory q, uint256 s) internal view returns (BN254.G2Point memory acc) {
        s %= BN254.FR_MODULUS;
        BN254.G2Point memory doubled = q;
        while (s != 0) {
            if (s & 1 == 1) acc = add(acc, doubled);
            s >>= 1;
            if (s != 0) doubled = add(doubled, doubled);
        }
    }

    /// @notice -q.
    function neg(BN254.G2Point memory q) internal pure returns (BN254.G2Point memory) {
        if (isInfinity(q)) return q;
        return BN254.G2Point(q.X, [(P - q.Y[0]) % P, (P - q.Y[1]) % P]);
    }

    /// @notice Whether q is the point at infinity (all-zero encoding).
    function isInfinity(BN254.G2Point memory q) internal pure returns (bool) {
        return q.X[0] == 0 && q.X[1] == 0 && q.Y[0] == 0 && q.Y[1] == 0;
    }

    /// @notice p + q (handles infinity, doubling and p = -q).
    function add(BN254.G2Point memory p, BN254.G2Point memory q) internal view returns (BN254.G2Point memory) {
        if (isInfinity(p)) return q;
        if (isInfinity(q)) return p;
        Fp2 memory x1 = Fp2(p.X[1], p.X[0]);
        Fp2 memory y1 = Fp2(p.Y[1], p.Y[0]);
        Fp2 memory x2 = Fp2(q.X[1], q.X[0]);
        Fp2 memory y2 = Fp2(q.Y[1], q.Y[0]);
        Fp2 memory lambda;
        if (x1.a0 == x2.a0 && x1.a1 == x2.a1) {
            if (y1.a0 != y2.a0 || y1.a1 != y2.a1 || (y1.a0 == 0 && y1.a1 == 0)) {
                return BN254.G2Point([uint256(0), 0], [uint256(0), 0]);
            }
            // tangent: lambda = 3 x^2 / (2 y)
            Fp2 memory xx = fmul(x1, x1);
            lambda = fmul(fadd(fadd(xx, xx), xx), finv(fadd(y1, y1)));
        } else {
            lambda = fmul(fsub(y2, y1), finv(fsub(x2, x1)));
        }
        Fp2 memory x3 = fsub(fsub(fmul(lambda, lambda), x1), x2);
        Fp2 memory y3 = fsub(fmul(lambda, fsub(x1, x3)), y1);
        return BN254.G2Point([x3.a1, x3.a0], [y3.a1, y3.a0]);
    }

    function fadd(Fp2 memory a, Fp2 memory b) internal pure returns (Fp2 memory) {
        return Fp2(addmod(a.a0, b.a0, P), addmod(a.a1, b.a1, P));
    }

    function fsub(Fp2 memory a, Fp2 memory b) internal pure returns (Fp2 memory) {
        return Fp2(addmod(a.a0, P - b.a0, P), addmod(a.a1, P - b.a1, P));
    }

    function fmul(Fp2 memory a, Fp2 memory b) internal pure returns (Fp2 memory) {
        // (a0 + a1 i)(b0 + b1 i) = (a0 b0 - a1 b1) + (a0 b1 + a1 b0) i
        return Fp2(
            addmod(mulmod(a.a0, b.a0, P), P - mulmod(a.a1, b.a1, P), P),
            addmod(mulmod(a.a0, b.a1, P), mulmod(a.a1, b.a0, P), P)
        );
    }

    function finv(Fp2 memory a) internal view returns (Fp2 memory) {
        // 1 / (a0 + a1 i) = (a0 - a1 i) / (a0^2 + a1^2)
        uint256 norm = addmod(mulmod(a.a0, a.a0, P), mulmod(a.a1, a.a1, P), P);
        uint256 inv = BN254.expMod(norm, P - 2, P);
        return Fp2(mulmod(a.a0, inv, P), mulmod(P - a.a1, inv, P));
    }
}
