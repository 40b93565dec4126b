//! Binding structs ↔ core types. Every artifact module declares its own copy of
//! `BN254.G1Point`/`G2Point`; these macros convert any of them through [`crate::abi`].

/// A binding's `BN254.G1Point` as a validated arkworks point.
macro_rules! g1_from_binding {
    ($p:expr, $field:literal) => {
        $crate::abi::g1_from_abi(&$crate::abi::G1Point { X: $p.X, Y: $p.Y }).map_err(|source| {
            $crate::error::AbiError::Point {
                field: $field,
                source,
            }
        })
    };
}

/// A binding's `BN254.G2Point` as a validated arkworks point.
macro_rules! g2_from_binding {
    ($p:expr, $field:literal) => {
        $crate::abi::g2_from_abi(&$crate::abi::G2Point { X: $p.X, Y: $p.Y }).map_err(|source| {
            $crate::error::AbiError::Point {
                field: $field,
                source,
            }
        })
    };
}

pub(crate) use {g1_from_binding, g2_from_binding};

/// Re-types a value between two `sol!` mirrors of the same Solidity type (ours in
/// [`crate::abi`], an artifact's in the bindings) through its ABI encoding, which the
/// mirrors share by construction.
pub(crate) fn rebind<A, B>(value: &A) -> Result<B, crate::error::AbiError>
where
    A: alloy::sol_types::SolValue,
    B: alloy::sol_types::SolValue + From<<B::SolType as alloy::sol_types::SolType>::RustType>,
{
    B::abi_decode(&value.abi_encode()).map_err(|e| crate::error::AbiError::Decode {
        what: std::any::type_name::<B>(),
        reason: e.to_string(),
    })
}
