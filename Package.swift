// swift-tools-version:6.0
import PackageDescription

/// A Debian system library, found through pkg-config.
func systemLibrary(_ name: String, _ pkg: String, _ apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkg, providers: [.apt([apt])])
}

let swiftSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Foley",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "foley", targets: ["foley"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        systemLibrary("CLua", "lua5.4", "liblua5.4-dev"),
        systemLibrary("CEdit", "libedit", "libedit-dev"),
        systemLibrary("CSndFile", "sndfile", "libsndfile1-dev"),
        systemLibrary("COpenBLAS", "openblas", "libopenblas-dev"),
        systemLibrary("CKissFFT", "kissfft-float", "libkissfft-dev"),
        systemLibrary("CSoxr", "soxr", "libsoxr-dev"),
        systemLibrary("CEbur128", "libebur128", "libebur128-dev"),
        systemLibrary("CPNG", "libpng", "libpng-dev"),
        systemLibrary("CZMQ", "libzmq", "libzmq3-dev"),
        // Open MPI: data-parallel training across processes and machines (mpirun); unused in a single process.
        systemLibrary("CMPI", "ompi-c", "libopenmpi-dev"),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        // Vectorizable hot loops; -ffast-math lets reductions reassociate, finite-math stays off for inf/NaN.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffast-math", "-fno-finite-math-only"])]),

        // oneDNN (Debian's libdnnl-dev) runs the forward convolutions, as in PyTorch; opened at run time.
        .target(name: "CDNNLConv", cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("dl")]),

        .target(name: "Tensors", dependencies: ["COpenBLAS", "CKernels", "CDNNLConv"], swiftSettings: swiftSettings),
        .target(name: "NN", dependencies: ["Tensors"], swiftSettings: swiftSettings),
        .target(name: "Audio", dependencies: ["Tensors", "CSndFile", "CKissFFT", "CSoxr", "CEbur128", "CPNG"],
                swiftSettings: swiftSettings),
        .target(name: "Text", dependencies: ["NN"], swiftSettings: swiftSettings),
        .target(name: "Diffusion", dependencies: ["NN", "Audio", "Text", "Yams"], swiftSettings: swiftSettings),
        // The procedural sound corpus (the shipped model's training data and the probes' references): DSP only.
        .target(name: "Corpus", dependencies: ["Tensors"], swiftSettings: swiftSettings),
        .target(name: "Training", dependencies: ["Diffusion", "Yams", "CMPI"], swiftSettings: swiftSettings),
        .target(name: "Metrics", dependencies: ["Diffusion", "Corpus", "COpenBLAS"], swiftSettings: swiftSettings),
        .target(name: "LuaHost", dependencies: ["CLua", "CLuaShim", "CEdit", "Diffusion", "Training", "Metrics", "Corpus"],
                swiftSettings: swiftSettings),
        // The Jupyter kernel (`foley kernel`): ZeroMQ sockets, signed wire messages, the REPL behind them.
        .target(name: "JupyterKernel", dependencies: ["LuaHost", "Audio", "CZMQ", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: swiftSettings),
        .executableTarget(name: "foley", dependencies: [
            "LuaHost", "JupyterKernel", "Metrics", "Corpus", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),

        .testTarget(name: "SystemLibrariesTests",
                    dependencies: ["CLua", "CLuaShim", "CEdit", "CSndFile", "COpenBLAS", "CKissFFT", "CSoxr", "CEbur128", "CPNG"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "COpenBLAS"]),
        .testTarget(name: "NNTests", dependencies: ["NN"]),
        // Helpers several test targets share (the built foley binary, a float WAV writer).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "TestSupport"]),
        .testTarget(name: "TextTests", dependencies: ["Text"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion"]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Corpus", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Training", "Corpus", "TestSupport"]),
        .testTarget(name: "LuaHostTests", dependencies: ["LuaHost", "TestSupport"]),
        .testTarget(name: "JupyterKernelTests", dependencies: ["JupyterKernel", "LuaHost", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
