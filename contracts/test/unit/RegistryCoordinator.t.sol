// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MiddlewareFixture} from "../harnesses/MiddlewareFixture.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {BitmapUtils} from "../../src/libraries/BitmapUtils.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {
    IRegistryCoordinator,
    IRegistryCoordinatorErrors
} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";

contract RegistryCoordinatorTest is MiddlewareFixture {
    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 4; ++i) {
            uint256 op = _newOperator(2000 + i);
            _setShares(op, 0, (i + 1) * 1e18);
            _setShares(op, 2, (i + 1) * 1e18);
        }
    }

    function test_register_setsStatusBitmapAndAvs() public {
        _register(0, hex"0001");
        IRegistryCoordinator.OperatorInfo memory info = coordinator.getOperator(operators[0].addr);
        assertEq(info.operatorId, operators[0].id);
        assertTrue(info.status == IRegistryCoordinator.OperatorStatus.REGISTERED);
        assertEq(coordinator.getCurrentQuorumBitmap(operators[0].id), 3);
        assertEq(coordinator.getOperatorFromId(operators[0].id), operators[0].addr);
        assertTrue(avsDirectory.isRegistered(address(serviceManager), operators[0].addr));
        assertEq(indexRegistry.totalOperatorsForQuorum(1), 1);
        assertEq(stakeRegistry.getCurrentStake(operators[0].id, 0), 1e18);
    }

    function test_pubkeyRegistrationMessageHash_isEip712AsUpstream() public view {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("AVSRegistryCoordinator"),
                keccak256("v0.0.1"),
                block.chainid,
                address(coordinator)
            )
        );
        bytes32 structHash =
            keccak256(abi.encode(keccak256("BN254PubkeyRegistration(address operator)"), operators[0].addr));
        BN254.G1Point memory expected = BN254.hashToG1(keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        BN254.G1Point memory got = coordinator.pubkeyRegistrationMessageHash(operators[0].addr);
        assertEq(got.X, expected.X);
        assertEq(got.Y, expected.Y);
    }

    function test_RevertIf_badQuorumInput() public {
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(0);
        vm.startPrank(operators[0].addr);
        vm.expectRevert(IRegistryCoordinatorErrors.BitmapEmpty.selector);
        coordinator.registerOperator("", "s", params, _emptySignature());
        vm.expectRevert(abi.encodeWithSelector(BitmapUtils.BitmapValueTooLarge.selector, uint256(4), uint8(2)));
        coordinator.registerOperator(hex"02", "s", params, _emptySignature());
        coordinator.registerOperator(hex"00", "s", params, _emptySignature());
        vm.expectRevert(
            abi.encodeWithSelector(IRegistryCoordinatorErrors.AlreadyRegisteredForQuorums.selector, uint256(1))
        );
        coordinator.registerOperator(hex"0001", "s", params, _emptySignature());
        vm.stopPrank();
    }

    function test_deregister_partialThenFull_withBitmapHistory() public {
        _register(0, hex"0001");
        uint32 b0 = uint32(block.number);
        vm.roll(b0 + 1);
        vm.prank(operators[0].addr);
        coordinator.deregisterOperator(hex"00");
        assertEq(coordinator.getCurrentQuorumBitmap(operators[0].id), 2);
        assertTrue(avsDirectory.isRegistered(address(serviceManager), operators[0].addr), "still in quorum 1");
        vm.roll(b0 + 2);
        vm.prank(operators[0].addr);
        coordinator.deregisterOperator(hex"01");
        assertTrue(coordinator.getOperatorStatus(operators[0].addr) == IRegistryCoordinator.OperatorStatus.DEREGISTERED);
        assertFalse(avsDirectory.isRegistered(address(serviceManager), operators[0].addr));

        bytes32[] memory ids = new bytes32[](1);
        ids[0] = operators[0].id;
        assertEq(coordinator.getQuorumBitmapIndicesAtBlockNumber(b0 + 1, ids)[0], 1);
        assertEq(coordinator.getQuorumBitmapAtBlockNumberByIndex(operators[0].id, b0, 0), 3);
        assertEq(coordinator.getQuorumBitmapAtBlockNumberByIndex(operators[0].id, b0 + 1, 1), 2);
        assertEq(coordinator.getQuorumBitmapAtBlockNumberByIndex(operators[0].id, b0 + 5, 2), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistryCoordinatorErrors.NextBitmapUpdateIsBeforeBlockNumber.selector, b0 + 1, b0 + 1
            )
        );
        coordinator.getQuorumBitmapAtBlockNumberByIndex(operators[0].id, b0 + 1, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistryCoordinatorErrors.BitmapUpdateIsAfterBlockNumber.selector, b0, b0 + 1)
        );
        coordinator.getQuorumBitmapAtBlockNumberByIndex(operators[0].id, b0, 1);

        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.IndexOutOfRange.selector, 3, 3));
        coordinator.getQuorumBitmapAtBlockNumberByIndex(operators[0].id, b0 + 5, 3);

        vm.prank(operators[0].addr);
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.NotRegistered.selector, operators[0].addr));
        coordinator.deregisterOperator(hex"00");
    }

    function test_RevertIf_quorumFull() public {
        _capQuorum0(2);
        _register(0, hex"00");
        _register(1, hex"00");
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(2);
        vm.prank(operators[2].addr);
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.MaxOperatorCountReached.selector, 0, 2));
        coordinator.registerOperator(hex"00", "s", params, _emptySignature());
    }

    function _capQuorum0(uint32 cap) internal {
        vm.prank(owner);
        coordinator.setOperatorSetParams(
            0,
            IRegistryCoordinator.OperatorSetParam({
                maxOperatorCount: cap, kickBIPsOfOperatorStake: 15000, kickBIPsOfTotalStake: 5000
            })
        );
    }

    function _kick(uint256 kicked) internal view returns (IRegistryCoordinator.OperatorKickParam[] memory k) {
        k = new IRegistryCoordinator.OperatorKickParam[](1);
        k[0] = IRegistryCoordinator.OperatorKickParam({quorumNumber: 0, operator: operators[kicked].addr});
    }

    function _churnApproval(uint256 newcomer, IRegistryCoordinator.OperatorKickParam[] memory kick, bytes32 salt)
        internal
        view
        returns (ISignatureUtils.SignatureWithSaltAndExpiry memory sig)
    {
        uint256 expiry = block.timestamp + 1 hours;
        bytes32 digest = coordinator.calculateOperatorChurnApprovalDigestHash(
            operators[newcomer].addr, operators[newcomer].id, kick, salt, expiry
        );
        sig = ISignatureUtils.SignatureWithSaltAndExpiry({
            signature: signDigest(churnApproverKey, digest), salt: salt, expiry: expiry
        });
    }

    function _churn(uint256 newcomer, uint256 kicked, bytes32 salt) internal {
        IRegistryCoordinator.OperatorKickParam[] memory kick = _kick(kicked);
        ISignatureUtils.SignatureWithSaltAndExpiry memory approval = _churnApproval(newcomer, kick, salt);
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(newcomer);
        vm.prank(operators[newcomer].addr);
        coordinator.registerOperatorWithChurn(hex"00", "s", params, kick, approval, _emptySignature());
    }

    function test_churn_kicksSmallOperator() public {
        // quorum 0 capped at 3: stakes 1, 2, 3 (total 6). Newcomer with 4 kicks op0 (1):
        // 4 > 1 * 150% and 1 < (6 + 4) * 50%.
        _capQuorum0(3);
        _register(0, hex"00");
        _register(1, hex"00");
        _register(2, hex"00");
        _churn(3, 0, keccak256("salt-1"));
        assertEq(coordinator.getCurrentQuorumBitmap(operators[0].id), 0, "kicked");
        assertEq(coordinator.getCurrentQuorumBitmap(operators[3].id), 1, "admitted");
        assertEq(indexRegistry.totalOperatorsForQuorum(0), 3);
        assertEq(stakeRegistry.getCurrentTotalStake(0), 9e18);
    }

    function test_RevertIf_churnWithInsufficientStake() public {
        // newcomer op0 (stake 1) cannot kick op1 (stake 2)
        _capQuorum0(3);
        _register(1, hex"00");
        _register(2, hex"00");
        _register(3, hex"00");
        IRegistryCoordinator.OperatorKickParam[] memory kick = _kick(1);
        ISignatureUtils.SignatureWithSaltAndExpiry memory approval = _churnApproval(0, kick, keccak256("s"));
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(0);
        vm.prank(operators[0].addr);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistryCoordinatorErrors.InsufficientStakeForChurn.selector, 1e18, 2e18)
        );
        coordinator.registerOperatorWithChurn(hex"00", "s", params, kick, approval, _emptySignature());
    }

    function test_RevertIf_churnApprovalInvalidOrReused() public {
        _capQuorum0(3);
        _register(0, hex"00");
        _register(1, hex"00");
        _register(2, hex"00");
        IRegistryCoordinator.OperatorKickParam[] memory kick = _kick(0);
        ISignatureUtils.SignatureWithSaltAndExpiry memory approval = _churnApproval(3, kick, keccak256("salt"));
        // approval for another kick target
        IRegistryCoordinator.OperatorKickParam[] memory otherKick = _kick(1);
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(3);
        vm.prank(operators[3].addr);
        vm.expectRevert(IRegistryCoordinatorErrors.InvalidChurnApproverSignature.selector);
        coordinator.registerOperatorWithChurn(hex"00", "s", params, otherKick, approval, _emptySignature());

        _churn(3, 0, keccak256("salt"));
        vm.prank(operators[3].addr);
        coordinator.deregisterOperator(hex"00");
        vm.prank(operators[3].addr);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistryCoordinatorErrors.ChurnApproverSaltUsed.selector, keccak256("salt"))
        );
        coordinator.registerOperatorWithChurn(hex"00", "s", params, kick, approval, _emptySignature());

        approval = _churnApproval(3, kick, keccak256("late"));
        vm.warp(approval.expiry + 1);
        vm.prank(operators[3].addr);
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.SignatureExpired.selector, approval.expiry));
        coordinator.registerOperatorWithChurn(hex"00", "s", params, kick, approval, _emptySignature());
    }

    function test_ejection_withCooldown() public {
        _register(0, hex"0001");
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.OnlyEjector.selector, address(this)));
        coordinator.ejectOperator(operators[0].addr, hex"00");

        vm.prank(ejector);
        coordinator.ejectOperator(operators[0].addr, hex"0001");
        assertTrue(coordinator.getOperatorStatus(operators[0].addr) == IRegistryCoordinator.OperatorStatus.DEREGISTERED);

        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(0);
        vm.prank(operators[0].addr);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistryCoordinatorErrors.CannotReregisterYet.selector, block.timestamp + EJECTION_COOLDOWN
            )
        );
        coordinator.registerOperator(hex"00", "s", params, _emptySignature());

        vm.warp(block.timestamp + EJECTION_COOLDOWN + 1);
        vm.roll(block.number + 1);
        _register(0, hex"00");
        assertEq(coordinator.getCurrentQuorumBitmap(operators[0].id), 1);
    }

    function test_updateOperators_deregistersBelowMinimum() public {
        _register(0, hex"0001");
        vm.roll(block.number + 1);
        _setShares(0, 0, 0); // quorum 0 weight 0 < minimum 1
        address[] memory ops = new address[](1);
        ops[0] = operators[0].addr;
        coordinator.updateOperators(ops);
        assertEq(coordinator.getCurrentQuorumBitmap(operators[0].id), 2, "left quorum 0 only");
        assertEq(stakeRegistry.getCurrentTotalStake(0), 0);
    }

    function test_updateOperatorsForQuorum_requiresCompleteSortedList() public {
        _register(0, hex"00");
        _register(1, hex"00");
        address[][] memory lists = new address[][](1);
        lists[0] = new address[](1);
        lists[0][0] = operators[0].addr;
        vm.expectRevert(
            abi.encodeWithSelector(IRegistryCoordinatorErrors.IncorrectQuorumOperatorCount.selector, 0, 1, 2)
        );
        coordinator.updateOperatorsForQuorum(lists, hex"00");

        (address a, address b) = operators[0].addr < operators[1].addr
            ? (operators[0].addr, operators[1].addr)
            : (operators[1].addr, operators[0].addr);
        lists[0] = new address[](2);
        (lists[0][0], lists[0][1]) = (b, a);
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.OperatorListInvalid.selector, 0, a));
        coordinator.updateOperatorsForQuorum(lists, hex"00");

        (lists[0][0], lists[0][1]) = (a, b);
        coordinator.updateOperatorsForQuorum(lists, hex"00");
        assertEq(coordinator.quorumUpdateBlockNumber(0), block.number);
    }

    function test_updateSocket() public {
        vm.prank(operators[0].addr);
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.NotRegistered.selector, operators[0].addr));
        coordinator.updateSocket("new:1");
        _register(0, hex"00");
        vm.prank(operators[0].addr);
        coordinator.updateSocket("new:1");
    }

    function test_RevertIf_ownerOnlyAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.OnlyOwner.selector, address(this)));
        coordinator.setEjector(address(this));
        vm.expectRevert(abi.encodeWithSelector(IRegistryCoordinatorErrors.OnlyOwner.selector, address(this)));
        coordinator.createQuorum(_setParams(), 0, _strategyParams(0));
        vm.prank(owner);
        vm.expectRevert(IRegistryCoordinatorErrors.AlreadyInitialized.selector);
        coordinator.initialize(stakeRegistry, apkRegistry, indexRegistry);
    }
}
