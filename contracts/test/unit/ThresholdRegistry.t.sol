// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {ThresholdRegistry} from "../../src/da/ThresholdRegistry.sol";
import {IThresholdRegistry} from "../../src/da/interfaces/IThresholdRegistry.sol";
import {DATypes} from "../../src/da/DATypes.sol";

contract ThresholdRegistryTest is LaminaTest {
    ThresholdRegistry internal registry;
    address internal owner = address(0xA11CE);

    function setUp() public {
        registry = new ThresholdRegistry(owner, _thresholds(55, 33), hex"0001");
    }

    function _thresholds(uint8 c, uint8 a) internal pure returns (DATypes.SecurityThresholds memory) {
        return DATypes.SecurityThresholds({confirmationThreshold: c, adversaryThreshold: a});
    }

    function _params(uint32 maxOps, uint32 chunks, uint8 rate)
        internal
        pure
        returns (DATypes.VersionedBlobParams memory)
    {
        return DATypes.VersionedBlobParams({maxNumOperators: maxOps, numChunks: chunks, codingRate: rate});
    }

    function _add(uint32 maxOps, uint32 chunks, uint8 rate) internal returns (uint16) {
        vm.prank(owner);
        return registry.addVersionedBlobParams(_params(maxOps, chunks, rate));
    }

    function test_addsVersionsInOrder() public {
        assertEq(_add(3537, 8192, 8), 0);
        assertEq(_add(8, 64, 8), 1);
        assertEq(registry.nextBlobVersion(), 2);
        DATypes.VersionedBlobParams memory p = registry.getBlobParams(1);
        assertEq(p.maxNumOperators, 8);
        assertEq(p.numChunks, 64);
        assertEq(p.codingRate, 8);
    }

    function test_eigenDAVersion0_isExactlyAtTheBoundary() public {
        // 8 * (8192 - 3537) * 22 = 819280 >= 819200, but one more operator gives 819104 < 819200
        _add(3537, 8192, 8);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IThresholdRegistry.SecurityAssumptionsNotMet.selector, 55, 33, 8, 8192, 3538)
        );
        registry.addVersionedBlobParams(_params(3538, 8192, 8));
    }

    function test_RevertIf_devnetTooFewChunks() public {
        // 8 * (16 - 8) * 22 = 1408 < 1600
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.SecurityAssumptionsNotMet.selector, 55, 33, 8, 16, 8));
        registry.addVersionedBlobParams(_params(8, 16, 8));
    }

    function test_RevertIf_moreOperatorsThanChunks() public {
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IThresholdRegistry.SecurityAssumptionsNotMet.selector, 55, 33, 8, 64, 65)
        );
        registry.addVersionedBlobParams(_params(65, 64, 8));
    }

    function testFuzz_acceptsIffInequalityHolds(uint32 maxOps, uint32 chunks, uint8 rate) public {
        chunks = uint32(bound(chunks, 1, 1 << 20));
        maxOps = uint32(bound(maxOps, 0, chunks));
        rate = uint8(bound(rate, 1, 255));
        bool secure = uint256(rate) * (chunks - maxOps) * 22 >= 100 * uint256(chunks);
        vm.prank(owner);
        if (!secure) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IThresholdRegistry.SecurityAssumptionsNotMet.selector, 55, 33, rate, chunks, maxOps
                )
            );
        }
        registry.addVersionedBlobParams(_params(maxOps, chunks, rate));
        assertEq(registry.nextBlobVersion(), secure ? 1 : 0);
    }

    function test_RevertIf_thresholdChangeBreaksExistingVersion() public {
        _add(3537, 8192, 8);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IThresholdRegistry.SecurityAssumptionsNotMet.selector, 55, 34, 8, 8192, 3537)
        );
        registry.setSecurityThresholds(_thresholds(55, 34));
        vm.prank(owner);
        registry.setSecurityThresholds(_thresholds(60, 33));
        assertEq(registry.securityThresholds().confirmationThreshold, 60);
    }

    function test_historyByBlock() public {
        uint32 created = uint32(block.number);
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.NoParametersAtBlock.selector, created - 1));
        registry.securityThresholdsAtBlock(created - 1);
        vm.roll(created + 10);
        vm.startPrank(owner);
        registry.setSecurityThresholds(_thresholds(60, 33));
        registry.setSecurityThresholds(_thresholds(70, 33)); // same block: the last change wins
        registry.setQuorumNumbersRequired(hex"00");
        vm.roll(created + 20);
        registry.setSecurityThresholds(_thresholds(80, 33));
        vm.stopPrank();
        assertEq(registry.securityThresholdsAtBlock(created).confirmationThreshold, 55);
        assertEq(registry.securityThresholdsAtBlock(created + 9).confirmationThreshold, 55);
        assertEq(registry.securityThresholdsAtBlock(created + 10).confirmationThreshold, 70);
        assertEq(registry.securityThresholdsAtBlock(created + 19).confirmationThreshold, 70);
        assertEq(registry.securityThresholdsAtBlock(created + 20).confirmationThreshold, 80);
        assertEq(registry.securityThresholdsAtBlock(type(uint32).max).confirmationThreshold, 80);
        assertEq(registry.quorumNumbersRequiredAtBlock(created + 9), hex"0001");
        assertEq(registry.quorumNumbersRequiredAtBlock(created + 10), hex"00");
        assertEq(registry.securityThresholds().confirmationThreshold, 80);
    }

    function test_RevertIf_invalidThresholds() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.InvalidSecurityThresholds.selector, 33, 33));
        registry.setSecurityThresholds(_thresholds(33, 33));
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.InvalidSecurityThresholds.selector, 101, 33));
        registry.setSecurityThresholds(_thresholds(101, 33));
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.InvalidSecurityThresholds.selector, 55, 0));
        registry.setSecurityThresholds(_thresholds(55, 0));
        vm.stopPrank();
    }

    function test_RevertIf_unknownVersion() public {
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.InvalidBlobVersion.selector, 0, 0));
        registry.getBlobParams(0);
    }

    function test_RevertIf_notOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.OnlyOwner.selector, address(this)));
        registry.addVersionedBlobParams(_params(8, 64, 8));
        vm.expectRevert(abi.encodeWithSelector(IThresholdRegistry.OnlyOwner.selector, address(this)));
        registry.setQuorumNumbersRequired(hex"00");
    }

    function test_requiredQuorums() public {
        assertEq(registry.quorumNumbersRequired(), hex"0001");
        assertTrue(registry.getIsQuorumRequired(1));
        assertFalse(registry.getIsQuorumRequired(2));
        vm.prank(owner);
        registry.setQuorumNumbersRequired(hex"00");
        assertFalse(registry.getIsQuorumRequired(1));
        assertEq(registry.getQuorumConfirmationThresholdPercentage(0), 55);
        assertEq(registry.getQuorumAdversaryThresholdPercentage(0), 33);
    }
}
