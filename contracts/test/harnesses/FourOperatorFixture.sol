// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MiddlewareFixture} from "./MiddlewareFixture.sol";

/// @title Four operators with unequal stakes in two quorums, registered with real BLS keys.
/// @dev Weights (quorum 0 = s0 + 2*s1, quorum 1 = s2 + s3/2), in units of 1e18:
///        op0: q0 = 100 + 2*10 = 120, q1 = 50 + 20/2 = 60
///        op1: q0 = 40
///        op2: q1 = 30 + 40/2 = 50
///        op3: q0 = 10 + 2*5 = 20,  q1 = 5
///      totals: q0 = 180, q1 = 115.
abstract contract FourOperatorFixture is MiddlewareFixture {
    uint256 internal constant E = 1e18;
    uint32 internal rbn;

    function setUp() public virtual override {
        super.setUp();
        for (uint256 i = 0; i < 4; ++i) {
            _newOperator(uint256(keccak256(abi.encode("four-operators", i))) % 2 ** 250);
        }
        _setShares(0, 0, 100 * E);
        _setShares(0, 1, 10 * E);
        _setShares(0, 2, 50 * E);
        _setShares(0, 3, 20 * E);
        _setShares(1, 0, 40 * E);
        _setShares(2, 2, 30 * E);
        _setShares(2, 3, 40 * E);
        _setShares(3, 0, 10 * E);
        _setShares(3, 1, 5 * E);
        _setShares(3, 2, 5 * E);
        _register(0, hex"0001");
        _register(1, hex"00");
        _register(2, hex"01");
        _register(3, hex"0001");
        rbn = uint32(block.number);
        vm.roll(block.number + 5);
    }
}
