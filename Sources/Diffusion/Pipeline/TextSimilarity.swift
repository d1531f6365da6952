import Foundation
import Tensors
import Text

/// Cosine similarities between texts' pooled, L2-normalized embeddings (MiniLM: sentence embeddings).
public enum TextSimilarity {
    public static func matrix(_ texts: [String], encoderFolder: URL) throws -> [[Float]] {
        let c = try TextConditioner.load(encoderFolder: encoderFolder)
        let e = try GradMode.noGrad { try c.encode(texts).normalizedPooled }
        let sims = try e.matmul(e.transpose(0, 1))
        let n = texts.count
        return (0..<n).map { i in (0..<n).map { sims.pointer[i * n + $0] } }
    }
}
