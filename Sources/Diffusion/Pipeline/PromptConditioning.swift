import Foundation
import NN
import Tensors
import Text

/// The one conditioning path from text to UNet inputs, for generation and training alike: tokenize -> encode ->
/// pool (L2-normalized) -> project (through the model's contrastive text head, if any) -> rows of token states,
/// mask and pooled vector, as `conditioning` asks.
///
/// Without gradients each prompt is encoded alone and kept in the one cache: padding a prompt to a batch-mate's
/// length changes the encoder's summation order in the last bits, and an output must not depend on what it was
/// batched with. Recording gradients (fine-tuning the encoder) encodes the batch together, uncached.
public final class PromptConditioning {
    public let conditioner: TextConditioner
    public let conditioning: TextToAudioPipeline.Conditioning
    public let contrastive: ContrastiveAudioText?
    /// Whether each row also carries its prompt's `PromptAttributes` features (a model trained with them).
    public let promptAttributes: Bool
    let cache: LRUCache<String, ConditioningEmbeddings>

    /// `cacheCapacity` counts prompts (a trainer passes its caption count, so each is encoded once).
    public init(conditioner: TextConditioner, conditioning: TextToAudioPipeline.Conditioning,
                contrastive: ContrastiveAudioText? = nil, promptAttributes: Bool = false, cacheCapacity: Int = 256) {
        self.conditioner = conditioner
        self.promptAttributes = promptAttributes
        self.conditioning = conditioning
        self.contrastive = contrastive
        cache = LRUCache(capacity: cacheCapacity)
    }

    /// Prompts held in the cache.
    public var cachedCount: Int { cache.count }

    /// Conditioning rows for `prompts` (token states zero-padded to the longest, with their mask).
    public func callAsFunction(_ prompts: [String], recordingGradients: Bool = false) throws -> ConditioningEmbeddings {
        guard !prompts.isEmpty else { throw DiffusionError.invalidArgument("prompt", "expected at least one prompt") }
        if recordingGradients {
            let (ids, mask) = conditioner.tokenize(prompts)
            return try rows(conditioner.encoder.encode(ids: ids, mask: mask), prompts: prompts)
        }
        let single = try prompts.map { p -> ConditioningEmbeddings in
            if let hit = cache.get(p) { return hit }
            let r = try GradMode.noGrad { try rows(conditioner.encode([p]), prompts: [p]) }
            cache.set(p, r)
            return r
        }
        return try single.dropFirst().reduce(single[0]) { try ConditioningEmbeddings.joined($0, $1) }
    }

    /// An encoding as UNet inputs: the parts `conditioning` uses, the pooled vector projected.
    func rows(_ enc: TextEncoding, prompts: [String]) throws -> ConditioningEmbeddings {
        var pooled: Tensor?
        if conditioning != .tokens {
            pooled = try enc.normalizedPooled
            if let c = contrastive { pooled = try c.textEmbeddings(pooled!) }
        }
        return ConditioningEmbeddings(tokens: conditioning == .pooled ? nil : enc.hiddenStates,
                                      mask: conditioning == .pooled ? nil : enc.mask, pooled: pooled,
                                      attributes: promptAttributes ? Self.attributeRows(prompts) : nil)
    }

    /// The width of the class embedding's input (`ConditioningEmbeddings.classLabels`) this path gives: the pooled
    /// vector (`pooledSize`, or the contrastive model's projection when there is one), then the attribute features.
    public static func classLabelWidth(pooledSize: Int, contrastive: ContrastiveAudioText?, promptAttributes: Bool) -> Int {
        (contrastive?.config.projectionDim ?? pooledSize) + (promptAttributes ? PromptAttributes.featureSize : 0)
    }

    /// [prompts, PromptAttributes.featureSize]: each prompt's attribute features.
    public static func attributeRows(_ prompts: [String]) -> Tensor {
        Tensor(shape: [prompts.count, PromptAttributes.featureSize], data: prompts.flatMap { PromptAttributes(parsing: $0).features })
    }
}
