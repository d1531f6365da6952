import LuaHost
import XCTest

final class HelpTests: XCTestCase {
    let h = LuaHarness()

    func testRegisteredNames() {
        let zeros = h.lua.helpText("foley.tensor.zeros")
        XCTAssertTrue(zeros.hasPrefix("zeros(shape) -> Tensor"), zeros)
        XCTAssertTrue(h.lua.helpText("Tensor:reshape").hasPrefix("t:reshape(shape) -> Tensor"))
    }

    func testLibrariesAndTypesListTheirMembers() {
        let lib = h.lua.helpText("foley.tensor")
        XCTAssertTrue(lib.hasPrefix("foley.tensor: n-d float32 tensors."), lib)
        XCTAssertTrue(lib.contains("  foley.tensor.zeros"), lib)
        XCTAssertTrue(lib.contains("zeros(shape) -> Tensor"), lib)
        let type = h.lua.helpText("Tensor")
        XCTAssertTrue(type.contains("  Tensor:matmul"), type)
        XCTAssertFalse(type.contains("__index"), type)
    }

    func testShortNamesAndValues() throws {
        XCTAssertTrue(h.lua.helpText("linspace").hasPrefix("linspace(start, stop, n)"))
        XCTAssertTrue(h.lua.helpText("range").hasPrefix("range(n)"))
        try h.run("t = foley.tensor.ones(2)")
        XCTAssertTrue(h.lua.helpText("t:softmax").hasPrefix("t:softmax([dim])"))
        XCTAssertTrue(h.lua.helpText("t").hasPrefix("Tensor: an n-d float32 array"))
        XCTAssertTrue(h.lua.helpText("foley.tensor.ones").hasPrefix("ones(shape)"))
        let ambiguous = h.lua.helpText("matmul")
        XCTAssertTrue(ambiguous.contains("Tensor:matmul") && ambiguous.contains("foley.tensor.matmul"), ambiguous)
        XCTAssertTrue(h.lua.helpText("no_such_thing").hasPrefix("no help for 'no_such_thing'"))
        // Evaluating a name for help never raises, even for bad expressions.
        XCTAssertTrue(h.lua.helpText("1 +").hasPrefix("no help"))
        XCTAssertTrue(h.lua.helpText("error('x')").hasPrefix("no help"))
    }

    func testOverviewListsLibrariesTypesAndCommands() {
        let o = h.lua.help.overview(commands: Repl.commands)
        XCTAssertTrue(o.contains("foley.tensor"), o)
        XCTAssertTrue(o.contains("Types: Audio, Embedder, Pipeline, Sampler, Tensor, TextEncoder, Tokenizer, Trainer, UNet, VAE, Vocoder"), o)
        for lib in ["foley.audio", "foley.models", "foley.samplers", "foley.text", "foley.plot", "foley.train", "foley.metrics"] {
            XCTAssertTrue(o.contains(lib), lib)
        }
        XCTAssertTrue(o.contains(":save <file>"), o)
    }

    /// Every function and method of the later bindings has help whose first line is its signature.
    func testBindingHelpHasSignatures() {
        for (name, signature) in [("foley.audio.load", "load(path"), ("Audio:spectrogram", "a:spectrogram(path[, {scale ="),
                                  ("Pipeline:generate", "p:generate{prompt="), ("Pipeline:unet", "p:unet(x, t"),
                                  ("foley.samplers.new", "new(name"), ("Sampler:step", "s:step(model_output, t, x"),
                                  ("foley.plot.line", "line(tensor, path"), ("foley.text.similarity", "similarity(a, b)"),
                                  ("Trainer:run", "t:run{steps ="), ("foley.train.vae", "vae(config"),
                                  ("foley.metrics.fad", "fad(a, b)"), ("foley.metrics.eval", "eval(generated_dir, reference_dir"),
                                  ("Embedder:embed", "e:embed(a)")] {
            XCTAssertTrue(h.lua.helpText(name).contains(signature), "\(name): \(h.lua.helpText(name))")
        }
    }

    func testHelpFromLua() {
        XCTAssertTrue(h.printed("foley.help('zeros')").hasPrefix("zeros(shape) -> Tensor"))
        XCTAssertTrue(h.printed("foley.help(foley.tensor.linspace)").hasPrefix("linspace(start, stop, n)"))
        XCTAssertTrue(h.printed("foley.help(foley.tensor.ones(1))").hasPrefix("Tensor: "))
        XCTAssertTrue(h.printed("foley.doc('mine', 'mine() -> nothing'); foley.help('mine')").hasPrefix("mine() -> nothing"))
    }
}
