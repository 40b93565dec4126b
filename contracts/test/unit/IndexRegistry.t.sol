// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {IndexRegistry} from "../../src/middleware/IndexRegistry.sol";
import {IIndexRegistryErrors} from "../../src/middleware/interfaces/IIndexRegistry.sol";

/// @notice The test contract plays the RegistryCoordinator.
contract IndexRegistryTest is LaminaTest {
    IndexRegistry internal registry;

    function setUp() public {
        registry = new IndexRegistry(address(this));
        registry.initializeQuorum(0);
        vm.roll(10);
    }

    function _id(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("operator", i));
    }

    function test_deregisterMovesLastIntoHole() public {
        for (uint256 i = 0; i < 3; ++i) {
            registry.registerOperator(_id(i), hex"00");
        }
        vm.roll(11);
        registry.deregisterOperator(_id(0), hex"00");
        assertEq(registry.totalOperatorsForQuorum(0), 2);
        assertEq(registry.currentOperatorIndex(0, _id(2)), 0);
        bytes32[] memory now_ = registry.getOperatorListAtBlockNumber(0, 11);
        assertEq(now_.length, 2);
        assertEq(now_[0], _id(2));
        assertEq(now_[1], _id(1));
        bytes32[] memory before = registry.getOperatorListAtBlockNumber(0, 10);
        assertEq(before.length, 3);
        assertEq(before[0], _id(0));
        assertEq(before[2], _id(2));
    }

    function test_RevertIf_beforeQuorumExisted() public {
        vm.expectRevert(abi.encodeWithSelector(IIndexRegistryErrors.QuorumDidNotExistAtBlockNumber.selector, 0, 0));
        registry.getOperatorListAtBlockNumber(0, 0);
        vm.expectRevert(abi.encodeWithSelector(IIndexRegistryErrors.QuorumDoesNotExist.selector, 1));
        registry.registerOperator(_id(0), hex"01");
    }

    /// @notice Random register/deregister sequences against a naive swap-remove list, one block per step.
    function testFuzz_matchesNaiveModel(uint256 seed) public {
        bytes32[] memory model = new bytes32[](32);
        uint256 n = 0;
        uint256 nextId = 0;
        for (uint256 step = 0; step < 24; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            if (n == 0 || (r % 3 != 0 && n < 32)) {
                bytes32 id = _id(nextId++);
                registry.registerOperator(id, hex"00");
                model[n++] = id;
            } else {
                uint256 k = (r >> 8) % n;
                registry.deregisterOperator(model[k], hex"00");
                model[k] = model[n - 1];
                --n;
            }
            bytes32[] memory list = registry.getOperatorListAtBlockNumber(0, uint32(block.number));
            assertEq(list.length, n, "count");
            for (uint256 i = 0; i < n; ++i) {
                assertEq(list[i], model[i], "order");
                assertEq(registry.currentOperatorIndex(0, model[i]), i, "index");
            }
            vm.roll(block.number + 1);
        }
    }
}
