// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAVSRegistrar} from "../../src/interfaces/IAVSRegistrar.sol";

/// @title Accepts every operator-set registration (the test AVS admits operators through the coordinator instead).
contract AVSRegistrarNoop is IAVSRegistrar {
    function registerOperator(address, address, uint32[] calldata, bytes calldata) external {}

    function deregisterOperator(address, address, uint32[] calldata) external {}
}
