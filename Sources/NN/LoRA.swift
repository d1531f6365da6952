import Foundation
import Tensors

/// How an adapter is shaped and where it goes (PEFT's `LoraConfig`, the keys diffusers writes in adapter metadata).
public struct LoRAConfig: Equatable, Sendable {
    /// The low rank `r`.
    public var rank: Int
    /// `lora_alpha`: the update is scaled by alpha / rank (alpha / sqrt(rank) with rsLoRA).
    public var alpha: Float
    /// `lora_dropout` on the adapter's input while training.
    public var dropout: Float
    /// `target_modules`: a layer is adapted when its dotted name equals a target or ends with "." + target.
    public var targets: [String]
    /// `use_rslora`: rank-stabilized scaling alpha / sqrt(rank).
    public var useRSLoRA: Bool
    /// `alpha_pattern`: per-layer alphas by name (a target-style suffix, optionally with PEFT's leading "^").
    public var alphaPattern: [String: Float]

    /// The attention projections, PEFT's usual choice for diffusers' UNets and transformers.
    public static let defaultTargets = ["to_q", "to_k", "to_v", "to_out.0"]

    public init(rank: Int = 8, alpha: Float? = nil, dropout: Float = 0, targets: [String] = LoRAConfig.defaultTargets,
                useRSLoRA: Bool = false, alphaPattern: [String: Float] = [:]) {
        self.rank = rank
        self.alpha = alpha ?? Float(rank)
        self.dropout = dropout
        self.targets = targets
        self.useRSLoRA = useRSLoRA
        self.alphaPattern = alphaPattern
    }

    /// Checks the ranges, naming the key (`what` is the config path, e.g. "train.lora").
    public func validate(_ what: String) throws {
        guard rank >= 1 && rank <= 4096 else { throw NNError.invalidArgument("\(what).rank", "expected an integer in 1...4096, got \(rank)") }
        guard alpha.isFinite && alpha > 0 else { throw NNError.invalidArgument("\(what).alpha", "expected a positive number, got \(alpha)") }
        guard dropout >= 0 && dropout < 1 else { throw NNError.invalidArgument("\(what).dropout", "expected a number in [0, 1), got \(dropout)") }
        guard !targets.isEmpty, targets.allSatisfy({ !$0.isEmpty }) else {
            throw NNError.invalidArgument("\(what).targets", "expected a list of module names such as \(LoRAConfig.defaultTargets)")
        }
    }

    /// Whether the layer named `path` is one of the targets.
    public func targets(_ path: String) -> Bool {
        targets.contains { path == $0 || path.hasSuffix("." + $0) }
    }

    /// The alpha of the layer named `path`: its `alpha_pattern` entry, else `alpha`.
    public func alpha(for path: String) -> Float {
        for (pattern, a) in alphaPattern {
            let p = pattern.hasPrefix("^") ? String(pattern.dropFirst()) : pattern
            if path == p || path.hasSuffix("." + p) { return a }
        }
        return alpha
    }
}

/// One low-rank update of a Linear layer, y += scaling · B(A(dropout(x))) (PEFT's `lora.Linear`).
public final class LoRALayer {
    /// `lora_A.weight`, [rank, in].
    public let down: Tensor
    /// `lora_B.weight`, [out, rank].
    public let up: Tensor
    public let alpha: Float
    public let useRSLoRA: Bool
    public let dropout: Float
    /// The user's multiplier (diffusers' `set_adapters` weight); 0 switches the layer off without removing it.
    public var scale: Float = 1

    public init(down: Tensor, up: Tensor, alpha: Float, useRSLoRA: Bool = false, dropout: Float = 0) {
        self.down = down
        self.up = up
        self.alpha = alpha
        self.useRSLoRA = useRSLoRA
        self.dropout = dropout
    }

    public var rank: Int { down.shape[0] }

    /// alpha / rank (or alpha / sqrt(rank)) times the user's scale.
    public var scaling: Float { (useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank)) * scale }

    /// The update for input `x` (the base layer's input).
    func delta(_ x: Tensor, training: Bool) throws -> Tensor {
        let xin = dropout > 0 && training ? try x.dropout(dropout, training: true, generator: NNRandom.generator) : x
        let h = try Tensor.linear(xin, weight: down, bias: nil)
        return try Tensor.linear(h, weight: up, bias: nil) * scaling
    }

    /// scaling · B A, the layer's weight change when merged.
    public func weightDelta() throws -> Tensor {
        try GradMode.noGrad { try up.matmul(down) * scaling }
    }
}
