// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CoreFixture} from "../utils/CoreFixture.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {IAVSDirectoryTypes, IAVSDirectoryErrors, IAVSDirectoryEvents} from "../../src/interfaces/IAVSDirectory.sol";

contract AVSDirectoryTest is CoreFixture {
    bytes32 internal constant SALT = "salt";
    bytes32 internal constant S_SALT = "s";

    address internal operator;
    uint256 internal operatorKey;
    address internal serviceManager;

    function setUp() public override {
        super.setUp();
        (operator, operatorKey) = makeAddrAndKey("operator");
        serviceManager = makeAddr("serviceManager");
        _registerOperator(operator);
    }

    function _sig(uint256 key, address forAvs, bytes32 salt, uint256 expiry)
        internal
        view
        returns (ISignatureUtils.SignatureWithSaltAndExpiry memory)
    {
        bytes32 digest = avsDirectory.calculateOperatorAVSRegistrationDigestHash(operator, forAvs, salt, expiry);
        return ISignatureUtils.SignatureWithSaltAndExpiry(signDigest(key, digest), salt, expiry);
    }

    function test_DigestIsEIP712() public view {
        bytes32 structHash = keccak256(
            abi.encode(avsDirectory.OPERATOR_AVS_REGISTRATION_TYPEHASH(), operator, serviceManager, S_SALT, 7)
        );
        bytes32 expected = keccak256(abi.encodePacked("\x19\x01", avsDirectory.domainSeparator(), structHash));
        assertEq(avsDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, "s", 7), expected);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Lamina"),
                keccak256("1"),
                block.chainid,
                address(avsDirectory)
            )
        );
        assertEq(avsDirectory.domainSeparator(), domain);
    }

    function test_RegisterAndDeregister() public {
        ISignatureUtils.SignatureWithSaltAndExpiry memory sig =
            _sig(operatorKey, serviceManager, "salt", block.timestamp + 60);
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.OperatorAVSRegistrationStatusUpdated(
            operator, serviceManager, IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED
        );
        vm.prank(serviceManager);
        avsDirectory.registerOperatorToAVS(operator, sig);
        assertTrue(
            avsDirectory.avsOperatorStatus(serviceManager, operator)
                == IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED
        );
        assertTrue(avsDirectory.operatorSaltIsSpent(operator, "salt"));

        vm.prank(serviceManager);
        avsDirectory.deregisterOperatorFromAVS(operator);
        assertTrue(
            avsDirectory.avsOperatorStatus(serviceManager, operator)
                == IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED
        );
    }

    function test_RevertIf_SaltReplayed() public {
        ISignatureUtils.SignatureWithSaltAndExpiry memory sig =
            _sig(operatorKey, serviceManager, "salt", block.timestamp + 60);
        vm.startPrank(serviceManager);
        avsDirectory.registerOperatorToAVS(operator, sig);
        avsDirectory.deregisterOperatorFromAVS(operator);
        vm.expectRevert(abi.encodeWithSelector(IAVSDirectoryErrors.SaltSpent.selector, operator, SALT));
        avsDirectory.registerOperatorToAVS(operator, sig);
        vm.stopPrank();
    }

    function test_RevertIf_SaltCancelled() public {
        vm.prank(operator);
        avsDirectory.cancelSalt("salt");
        ISignatureUtils.SignatureWithSaltAndExpiry memory sig =
            _sig(operatorKey, serviceManager, "salt", block.timestamp + 60);
        vm.prank(serviceManager);
        vm.expectRevert(abi.encodeWithSelector(IAVSDirectoryErrors.SaltSpent.selector, operator, SALT));
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_RevertIf_Expired() public {
        vm.warp(1_000_000);
        uint256 expiry = block.timestamp - 1;
        ISignatureUtils.SignatureWithSaltAndExpiry memory sig = _sig(operatorKey, serviceManager, "salt", expiry);
        vm.prank(serviceManager);
        vm.expectRevert(abi.encodeWithSelector(IAVSDirectoryErrors.SignatureExpired.selector, expiry, block.timestamp));
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_RevertIf_SignedForOtherAVS() public {
        ISignatureUtils.SignatureWithSaltAndExpiry memory sig = _sig(operatorKey, avs, "salt", block.timestamp + 60);
        vm.prank(serviceManager);
        vm.expectRevert(abi.encodeWithSelector(IAVSDirectoryErrors.InvalidSignature.selector, operator));
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_RevertIf_WrongSigner() public {
        ISignatureUtils.SignatureWithSaltAndExpiry memory sig =
            _sig(keyOf("mallory"), serviceManager, "salt", block.timestamp + 60);
        vm.prank(serviceManager);
        vm.expectRevert(abi.encodeWithSelector(IAVSDirectoryErrors.InvalidSignature.selector, operator));
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_RevertIf_NotAnOperator() public {
        (address stranger, uint256 strangerKey) = makeAddrAndKey("stranger");
        bytes32 digest =
            avsDirectory.calculateOperatorAVSRegistrationDigestHash(stranger, serviceManager, "salt", block.timestamp);
        ISignatureUtils.SignatureWithSaltAndExpiry memory sig =
            ISignatureUtils.SignatureWithSaltAndExpiry(signDigest(strangerKey, digest), "salt", block.timestamp);
        vm.prank(serviceManager);
        vm.expectRevert(
            abi.encodeWithSelector(IAVSDirectoryErrors.OperatorNotRegisteredToEigenLayer.selector, stranger)
        );
        avsDirectory.registerOperatorToAVS(stranger, sig);
    }

    function test_RevertIf_RegisteredTwice() public {
        vm.startPrank(serviceManager);
        avsDirectory.registerOperatorToAVS(operator, _sig(operatorKey, serviceManager, "a", block.timestamp));
        ISignatureUtils.SignatureWithSaltAndExpiry memory again =
            _sig(operatorKey, serviceManager, "b", block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAVSDirectoryErrors.OperatorAlreadyRegisteredToAVS.selector, operator, serviceManager
            )
        );
        avsDirectory.registerOperatorToAVS(operator, again);
        vm.stopPrank();
    }

    function test_RevertIf_DeregisterUnknown() public {
        vm.prank(serviceManager);
        vm.expectRevert(
            abi.encodeWithSelector(IAVSDirectoryErrors.OperatorNotRegisteredToAVS.selector, operator, serviceManager)
        );
        avsDirectory.deregisterOperatorFromAVS(operator);
    }
}
