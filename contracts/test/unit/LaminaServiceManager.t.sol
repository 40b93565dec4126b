// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FourOperatorFixture} from "../harnesses/FourOperatorFixture.sol";
import {LaminaServiceManager} from "../../src/da/LaminaServiceManager.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {IServiceManager} from "../../src/middleware/interfaces/IServiceManager.sol";

contract LaminaServiceManagerTest is FourOperatorFixture {
    event BatchConfirmed(
        bytes32 indexed batchHeaderHash, uint32 batchId, uint32 referenceBlockNumber, bytes32 signatoryRecordHash
    );

    function _header(uint32 referenceBlock, bytes memory thresholds)
        internal
        pure
        returns (DATypes.BatchHeader memory h)
    {
        h = DATypes.BatchHeader({
            blobHeadersRoot: keccak256("blob headers"),
            quorumNumbers: hex"0001",
            signedStakeForQuorums: thresholds,
            referenceBlockNumber: referenceBlock
        });
    }

    function _reducedHash(DATypes.BatchHeader memory h) internal pure returns (bytes32) {
        return keccak256(abi.encode(DATypes.ReducedBatchHeader(h.blobHeadersRoot, h.referenceBlockNumber)));
    }

    function _signed(DATypes.BatchHeader memory h, uint256[] memory nonSigners)
        internal
        view
        returns (IBLSSignatureChecker.NonSignerStakesAndSignature memory)
    {
        return _signAndBuild(_reducedHash(h), h.quorumNumbers, h.referenceBlockNumber, nonSigners);
    }

    function test_confirmBatch_storesMetadataAndEmits() public {
        DATypes.BatchHeader memory h = _header(rbn, hex"3737");
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signed(h, _list(3));
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = operators[3].id;
        bytes32 record = keccak256(abi.encodePacked(rbn, ids));
        vm.expectEmit(true, false, false, true, address(serviceManager));
        emit BatchConfirmed(_reducedHash(h), 0, rbn, record);
        vm.prank(confirmer);
        serviceManager.confirmBatch(h, p);
        assertEq(
            serviceManager.batchIdToBatchMetadataHash(0),
            keccak256(abi.encodePacked(keccak256(abi.encode(h)), record, uint32(block.number)))
        );
        assertEq(serviceManager.batchId(), 1);
    }

    /// @notice What a rewards calculator does with a confirmed batch: decode the non-signers' keys from the call's
    ///         calldata, hash them into operator ids, and check them against the event's signatory record hash.
    function test_confirmBatch_signatoryRecordRecoverableFromCalldata() public {
        DATypes.BatchHeader memory h = _header(rbn, hex"3737");
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signed(h, _list(3));
        bytes memory callData = abi.encodeCall(serviceManager.confirmBatch, (h, p));
        vm.prank(confirmer);
        (bool ok,) = address(serviceManager).call(callData);
        assertTrue(ok, "confirmBatch");

        bytes memory args = new bytes(callData.length - 4);
        for (uint256 i = 0; i < args.length; ++i) {
            args[i] = callData[i + 4];
        }
        (DATypes.BatchHeader memory decodedHeader, IBLSSignatureChecker.NonSignerStakesAndSignature memory decoded) =
            abi.decode(args, (DATypes.BatchHeader, IBLSSignatureChecker.NonSignerStakesAndSignature));
        bytes32[] memory ids = new bytes32[](decoded.nonSignerPubkeys.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            ids[i] = keccak256(abi.encodePacked(decoded.nonSignerPubkeys[i].X, decoded.nonSignerPubkeys[i].Y));
        }
        assertEq(ids.length, 1, "one non-signer");
        assertEq(ids[0], operators[3].id, "the non-signer's operator id");
        bytes32 record = keccak256(abi.encodePacked(decodedHeader.referenceBlockNumber, ids));
        assertEq(
            serviceManager.batchIdToBatchMetadataHash(0),
            keccak256(abi.encodePacked(keccak256(abi.encode(decodedHeader)), record, uint32(block.number))),
            "calldata reproduces the stored metadata hash"
        );
    }

    function test_RevertIf_notConfirmer() public {
        DATypes.BatchHeader memory h = _header(rbn, hex"3737");
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signed(h, _none());
        vm.expectRevert(abi.encodeWithSelector(LaminaServiceManager.OnlyBatchConfirmer.selector, address(this)));
        serviceManager.confirmBatch(h, p);
    }

    function test_RevertIf_referenceBlockInFutureOrStale() public {
        DATypes.BatchHeader memory h = _header(uint32(block.number), hex"3737");
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signed(_header(rbn, hex"3737"), _none());
        vm.prank(confirmer);
        vm.expectRevert(
            abi.encodeWithSelector(
                LaminaServiceManager.ReferenceBlockInFuture.selector, uint32(block.number), block.number
            )
        );
        serviceManager.confirmBatch(h, p);

        h = _header(rbn, hex"3737");
        p = _signed(h, _none());
        vm.roll(uint256(rbn) + serviceManager.BLOCK_STALE_MEASURE() + 1);
        vm.prank(confirmer);
        vm.expectRevert(abi.encodeWithSelector(LaminaServiceManager.ReferenceBlockTooOld.selector, rbn, block.number));
        serviceManager.confirmBatch(h, p);
    }

    function test_RevertIf_thresholdBelowRegistryMinimum() public {
        DATypes.BatchHeader memory h = _header(rbn, hex"3721");
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signed(h, _none());
        vm.prank(confirmer);
        vm.expectRevert(
            abi.encodeWithSelector(
                LaminaServiceManager.ThresholdBelowMinimum.selector, uint8(1), uint8(0x21), uint8(55)
            )
        );
        serviceManager.confirmBatch(h, p);
    }

    function test_RevertIf_insufficientSignedStake() public {
        // op0 silent: quorum 0 has 60 of 180 signed (33%) < 55%
        DATypes.BatchHeader memory h = _header(rbn, hex"3737");
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signed(h, _list(0));
        vm.prank(confirmer);
        vm.expectRevert(
            abi.encodeWithSelector(
                LaminaServiceManager.InsufficientSignedStake.selector,
                uint8(0),
                uint96(60 * E),
                uint96(180 * E),
                uint8(55)
            )
        );
        serviceManager.confirmBatch(h, p);
    }

    function test_RevertIf_avsRegistrationNotFromCoordinator() public {
        vm.expectRevert(abi.encodeWithSelector(IServiceManager.OnlyRegistryCoordinator.selector, address(this)));
        serviceManager.registerOperatorToAVS(address(1), _emptySignature());
        vm.expectRevert(abi.encodeWithSelector(IServiceManager.OnlyRegistryCoordinator.selector, address(this)));
        serviceManager.deregisterOperatorFromAVS(address(1));
    }

    function test_registrationPassesThroughToDirectory() public view {
        assertTrue(avsDirectory.isRegistered(address(serviceManager), operators[0].addr));
    }
}
