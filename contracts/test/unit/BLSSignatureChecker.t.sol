// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FourOperatorFixture} from "../harnesses/FourOperatorFixture.sol";
import {G2Ops} from "../utils/G2Ops.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {IBLSSignatureCheckerErrors} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {IRegistryCoordinatorErrors} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";

contract BLSSignatureCheckerTest is FourOperatorFixture {
    using BN254 for BN254.G1Point;

    bytes32 internal constant MSG = keccak256("lamina batch");

    function _check(
        bytes memory quorums,
        uint32 referenceBlock,
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p
    ) internal view returns (IBLSSignatureChecker.QuorumStakeTotals memory totals, bytes32 record) {
        return serviceManager.checkSignatures(MSG, quorums, referenceBlock, p);
    }

    function test_allSign_reportsFullStake() public view {
        (IBLSSignatureChecker.QuorumStakeTotals memory t, bytes32 record) =
            _check(hex"0001", rbn, _signAndBuild(MSG, hex"0001", rbn, _none()));
        assertEq(t.totalStakeForQuorum[0], 180 * E);
        assertEq(t.signedStakeForQuorum[0], 180 * E);
        assertEq(t.totalStakeForQuorum[1], 115 * E);
        assertEq(t.signedStakeForQuorum[1], 115 * E);
        assertEq(record, keccak256(abi.encodePacked(rbn, new bytes32[](0))));
    }

    function test_oneNonSigner_inBothQuorums() public view {
        (IBLSSignatureChecker.QuorumStakeTotals memory t, bytes32 record) =
            _check(hex"0001", rbn, _signAndBuild(MSG, hex"0001", rbn, _list(0)));
        assertEq(t.signedStakeForQuorum[0], 60 * E, "q0: 180 - op0's 120");
        assertEq(t.signedStakeForQuorum[1], 55 * E, "q1: 115 - op0's 60");
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = operators[0].id;
        assertEq(record, keccak256(abi.encodePacked(rbn, ids)), "signatory record hash");
    }

    function test_severalNonSigners() public view {
        uint256[] memory nonSigners = new uint256[](3);
        (nonSigners[0], nonSigners[1], nonSigners[2]) = (1, 2, 3);
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) =
            _check(hex"0001", rbn, _signAndBuild(MSG, hex"0001", rbn, nonSigners));
        assertEq(t.signedStakeForQuorum[0], 120 * E, "q0: only op0 signed");
        assertEq(t.signedStakeForQuorum[1], 60 * E, "q1: only op0 signed");
    }

    function test_singleQuorum_nonSignerOutsideQuorumIgnored() public view {
        // op1 is only in quorum 0: listing it as a non-signer of quorum 1 changes nothing
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) =
            _check(hex"01", rbn, _signAndBuild(MSG, hex"01", rbn, _list(1, 2)));
        assertEq(t.totalStakeForQuorum[0], 115 * E);
        assertEq(t.signedStakeForQuorum[0], 65 * E, "q1: 115 - op2's 50");
    }

    /// @notice Naive twin: signed stake = sum of the stakes of the quorum's members that are not non-signers.
    /// forge-config: default.fuzz.runs = 24
    /// forge-config: ci.fuzz.runs = 64
    function testFuzz_signedStakeMatchesNaive(uint8 nonSignerMask, uint8 quorumChoice) public view {
        nonSignerMask = uint8(bound(nonSignerMask, 0, 15));
        quorumChoice = uint8(bound(quorumChoice, 1, 3));
        bytes memory quorums =
            quorumChoice == 1 ? bytes(hex"00") : quorumChoice == 2 ? bytes(hex"01") : bytes(hex"0001");
        uint256 count;
        for (uint256 i = 0; i < 4; ++i) {
            if ((nonSignerMask >> i) & 1 == 1) ++count;
        }
        uint256[] memory nonSigners = new uint256[](count);
        count = 0;
        for (uint256 i = 0; i < 4; ++i) {
            if ((nonSignerMask >> i) & 1 == 1) nonSigners[count++] = i;
        }
        // stakes[q][op] from FourOperatorFixture's table
        uint256[4][2] memory stakes = [[120 * E, 40 * E, 0, 20 * E], [60 * E, uint256(0), 50 * E, 5 * E]];
        bool anySigner;
        for (uint256 k = 0; k < quorums.length; ++k) {
            for (uint256 i = 0; i < 4; ++i) {
                if ((nonSignerMask >> i) & 1 == 0 && stakes[uint8(quorums[k])][i] != 0) anySigner = true;
            }
        }
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, quorums, rbn, nonSigners);
        if (!anySigner) {
            // nobody signed: G2 key and signature are at infinity, which the checker refuses
            try this.externalCheck(quorums, rbn, p) {
                revert("a signature by nobody must not verify");
            } catch (bytes memory reason) {
                assertEq(bytes4(reason), IBLSSignatureCheckerErrors.ApkG2AtInfinity.selector);
            }
            return;
        }
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) = _check(quorums, rbn, p);
        for (uint256 k = 0; k < quorums.length; ++k) {
            uint8 q = uint8(quorums[k]);
            uint256 expected;
            for (uint256 i = 0; i < 4; ++i) {
                if ((nonSignerMask >> i) & 1 == 0) expected += stakes[q][i];
            }
            assertEq(t.signedStakeForQuorum[k], expected, "signed stake vs naive sum");
        }
    }

    function test_RevertIf_referenceBlockNotInPast() public {
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, hex"0001", rbn, _none());
        uint32 current = uint32(block.number);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBLSSignatureCheckerErrors.InvalidReferenceBlocknumber.selector, current, block.number
            )
        );
        this.externalCheck(hex"0001", current, p);
    }

    function test_RevertIf_unsortedNonSigners() public {
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, hex"0001", rbn, _list(0, 3));
        (p.nonSignerPubkeys[0], p.nonSignerPubkeys[1]) = (p.nonSignerPubkeys[1], p.nonSignerPubkeys[0]);
        vm.expectRevert(abi.encodeWithSelector(IBLSSignatureCheckerErrors.NonSignerPubkeysNotSorted.selector, 1));
        this.externalCheck(hex"0001", rbn, p);
    }

    function test_RevertIf_duplicateNonSigner() public {
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, hex"0001", rbn, _list(0, 3));
        p.nonSignerPubkeys[1] = p.nonSignerPubkeys[0];
        p.nonSignerQuorumBitmapIndices[1] = p.nonSignerQuorumBitmapIndices[0];
        vm.expectRevert(abi.encodeWithSelector(IBLSSignatureCheckerErrors.NonSignerPubkeysNotSorted.selector, 1));
        this.externalCheck(hex"0001", rbn, p);
    }

    function test_RevertIf_wrongQuorumApk() public {
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, hex"0001", rbn, _none());
        p.quorumApks[1] = p.quorumApks[1].plus(BN254.generatorG1());
        vm.expectRevert(abi.encodeWithSelector(IBLSSignatureCheckerErrors.InvalidQuorumApkHash.selector, uint8(1)));
        this.externalCheck(hex"0001", rbn, p);
    }

    function test_RevertIf_apkG2OfWrongSignerSet() public {
        // Claim op0 did not sign while presenting everyone's G2 key and signature.
        IBLSSignatureChecker.NonSignerStakesAndSignature memory all = _signAndBuild(MSG, hex"0001", rbn, _none());
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, hex"0001", rbn, _list(0));
        p.apkG2 = all.apkG2;
        p.sigma = all.sigma;
        vm.expectRevert(IBLSSignatureCheckerErrors.InvalidBLSSignature.selector);
        this.externalCheck(hex"0001", rbn, p);
    }

    function test_RevertIf_signatureOverOtherMessage() public {
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p =
            _signAndBuild(keccak256("other"), hex"0001", rbn, _list(2));
        vm.expectRevert(IBLSSignatureCheckerErrors.InvalidBLSSignature.selector);
        this.externalCheck(hex"0001", rbn, p);
    }

    function test_RevertIf_staleStakes() public {
        vm.startPrank(owner);
        serviceManager.setStaleStakesForbidden(true);
        serviceManager.setStaleStakesWindowBlocks(3);
        vm.stopPrank();
        vm.roll(block.number + 10);
        uint32 late = uint32(block.number - 1);
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, hex"0001", late, _none());
        vm.expectRevert(
            abi.encodeWithSelector(IBLSSignatureCheckerErrors.StaleStakesForbidden.selector, uint8(0), 0, late)
        );
        this.externalCheck(hex"0001", late, p);

        // refreshing every operator of both quorums makes the stakes fresh again
        address[][] memory perQuorum = new address[][](2);
        perQuorum[0] = _sortedAddrs(0, 1, 3);
        perQuorum[1] = _sortedAddrs(0, 2, 3);
        coordinator.updateOperatorsForQuorum(perQuorum, hex"0001");
        vm.roll(block.number + 1);
        uint32 fresh = uint32(block.number - 1);
        this.externalCheck(hex"0001", fresh, _signAndBuild(MSG, hex"0001", fresh, _none()));
    }

    function test_oldReferenceBlock_usesHistoricalStake() public {
        // op1 quadruples its stake and op2 leaves; the old reference block still answers with the old set.
        _setShares(1, 0, 400 * E);
        address[] memory ops = new address[](1);
        ops[0] = operators[1].addr;
        coordinator.updateOperators(ops);
        vm.prank(operators[2].addr);
        coordinator.deregisterOperator(hex"01");
        vm.roll(block.number + 2);
        uint32 newRbn = uint32(block.number - 1);

        (IBLSSignatureChecker.QuorumStakeTotals memory oldT,) =
            _check(hex"0001", rbn, _signAndBuild(MSG, hex"0001", rbn, _list(1, 2)));
        assertEq(oldT.totalStakeForQuorum[0], 180 * E, "old q0 total");
        assertEq(oldT.signedStakeForQuorum[0], 140 * E, "old q0 signed: 180 - 40");
        assertEq(oldT.totalStakeForQuorum[1], 115 * E, "old q1 total");
        assertEq(oldT.signedStakeForQuorum[1], 65 * E, "old q1 signed: 115 - 50");

        (IBLSSignatureChecker.QuorumStakeTotals memory newT,) =
            _check(hex"0001", newRbn, _signAndBuild(MSG, hex"0001", newRbn, _list(1)));
        assertEq(newT.totalStakeForQuorum[0], 540 * E, "new q0 total");
        assertEq(newT.signedStakeForQuorum[0], 140 * E, "new q0 signed: 540 - 400");
        assertEq(newT.totalStakeForQuorum[1], 65 * E, "new q1 total without op2");
        assertEq(newT.signedStakeForQuorum[1], 65 * E);
    }

    function test_RevertIf_nonSignerNotRegisteredAtReferenceBlock() public {
        // an operator registered after the reference block cannot be listed as a non-signer of it
        uint256 late = _newOperator(12345);
        _setShares(late, 0, 5 * E);
        _register(late, hex"00");
        uint32 registeredAt = uint32(block.number);
        vm.roll(block.number + 1);
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(MSG, hex"00", rbn, _none());
        p.nonSignerPubkeys = new BN254.G1Point[](1);
        p.nonSignerPubkeys[0] = operators[late].pk1;
        p.nonSignerQuorumBitmapIndices = new uint32[](1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistryCoordinatorErrors.BitmapUpdateIsAfterBlockNumber.selector, rbn, registeredAt
            )
        );
        this.externalCheck(hex"00", rbn, p);
    }

    function externalCheck(
        bytes calldata quorums,
        uint32 referenceBlock,
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p
    ) external view {
        serviceManager.checkSignatures(MSG, quorums, referenceBlock, p);
    }

    function _sortedAddrs(uint256 a, uint256 b, uint256 c) internal view returns (address[] memory l) {
        l = new address[](3);
        (l[0], l[1], l[2]) = (operators[a].addr, operators[b].addr, operators[c].addr);
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && l[j - 1] > l[j]; --j) {
                (l[j - 1], l[j]) = (l[j], l[j - 1]);
            }
        }
    }
}
