//! Compiles `lamina/**/*.proto` with protox (pure Rust, no protoc) and
//! generates prost messages and tonic clients and servers.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const PROTOS: &[&str] = &[
        "lamina/common/v1/common.proto",
        "lamina/node/v1/node.proto",
        "lamina/disperser/v1/disperser.proto",
        "lamina/retriever/v1/retriever.proto",
        "lamina/encoder/v1/encoder.proto",
    ];
    let fds = protox::compile(PROTOS, ["."])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    for p in PROTOS {
        println!("cargo:rerun-if-changed={p}");
    }
    Ok(())
}
