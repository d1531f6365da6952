import Audio
import Foundation

/// Jupyter's MIME bundles (mime type -> data) for what Foley shows: a clip as an audio player and its
/// spectrogram, a saved file by its kind. The kernel sends them; `:save x.ipynb` stores them.
public enum DisplayBundle {
    /// An <audio> element playing `data` (a whole file) from a data: URI.
    public static func audioHTML(_ data: Data, mimeType: String = "audio/wav") -> String {
        "<audio controls preload=\"metadata\" src=\"data:\(mimeType);base64,\(data.base64EncodedString())\"></audio>"
    }

    /// A saved file as the notebook shows it: a PNG as image/png, audio as a player; nil if it cannot be read.
    public static func bundle(for a: Notebook.Attachment) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: a.path) else { return nil }
        let name = (a.path as NSString).lastPathComponent
        switch a.kind {
        case .png: return ["image/png": data.base64EncodedString(), "text/plain": "<image \(name)>"]
        case .audio:
            return ["text/html": audioHTML(data, mimeType: Notebook.mimeType(a.path, a.kind)) + " <code>\(Notebook.escapeHTML(name))</code>",
                    "text/plain": "<audio \(name)>"]
        }
    }

    /// A clip as a WAV player above its spectrogram (text/html), the spectrogram alone (image/png, for front ends
    /// without HTML) and its one-line description (text/plain).
    public static func bundle(for clip: AudioClip) throws -> [String: String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-display-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("clip.wav").path, png = dir.appendingPathComponent("clip.png").path
        try AudioFile.write(clip.buffer, to: wav)
        try AudioBindings.renderSpectrogram(clip, to: png)
        guard let wavData = FileManager.default.contents(atPath: wav), let pngData = FileManager.default.contents(atPath: png) else {
            throw LuaRuntimeError("cannot read back the clip's WAV and spectrogram from \(dir.path)")
        }
        // A front end renders one type per output (JupyterLab prefers HTML), so the HTML carries the picture too.
        let png64 = pngData.base64EncodedString()
        let html = "<div class=\"foley-audio\">" + audioHTML(wavData)
            + "<br><img alt=\"spectrogram\" src=\"data:image/png;base64,\(png64)\"></div>"
        return ["text/plain": AudioBindings.describe(clip.buffer), "text/html": html, "image/png": png64]
    }
}
