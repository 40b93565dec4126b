// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A freely mintable ERC-20 standing in for a liquid-staking token. DEVNETS AND TESTS ONLY.
/// @notice Anyone may mint any amount: never deploy this where the token should have value.
contract TestToken is ERC20 {
    /// @param name_ The token name.
    /// @param symbol_ The token symbol.
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Mints `amount` to `to`. Open to anyone (devnet faucet).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
