@testable import Audio
import CPNG
import XCTest

final class SpectrogramImageTests: XCTestCase {
    func isInk(_ c: (UInt8, UInt8, UInt8)) -> Bool { c == SpectrogramImage.ink }

    /// The fixture chirp's log-mel with its waveform strip, written as PNG and read back by libpng.
    func testWritesPNGOfTheExpectedSize() throws {
        let wave = try FixtureReader.dsp().tensor("wave_16k").values
        let front = try LogMel()
        var image = SpectrogramImage(logMel: front, sampleRate: 16000)
        image.waveform = wave
        image.colormap = .magma
        let dir = temporaryPath("png")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/mel.png"
        try image.write(try front(wave), to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["mel.png"])

        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        XCTAssertNotEqual(png_image_begin_read_from_file(&png, path), 0)
        defer { png_image_free(&png) }
        // 101 frames x 1 px plus margins; 64 mels x 4 px (auto: 256 / 64) plus the 48 + 6 px strip.
        XCTAssertEqual(Int(png.width), SpectrogramImage.left + 101 + SpectrogramImage.right)
        XCTAssertEqual(Int(png.height), SpectrogramImage.top + 54 + 256 + SpectrogramImage.bottom)
        let rendered = try image.render(try front(wave))
        XCTAssertEqual(try RGBImage(contentsOfPNG: path), rendered)
    }

    /// Bin 0 is the bottom row; the loudest value gets the top of the colour map.
    func testLowFrequenciesAtTheBottom() throws {
        var values = [Float](repeating: 0, count: 10 * 8)
        for f in 0..<10 { values[f * 8] = 1 }
        let spec = try Spectrogram(frames: 10, bins: 8, values: values)
        var image = SpectrogramImage(frequencyAxis: .bins, secondsPerFrame: 0.01)
        image.pixelsPerBin = 2
        image.pixelsPerFrame = 3
        let img = try image.render(spec)
        let x = SpectrogramImage.left + 5, top = SpectrogramImage.top, bottom = top + 16 - 1
        XCTAssertTrue(img[x, bottom] == Colormap.viridis.rgb(1))
        XCTAssertTrue(img[x, bottom - 1] == Colormap.viridis.rgb(1))
        XCTAssertTrue(img[x, bottom - 2] == Colormap.viridis.rgb(0))
        XCTAssertTrue(img[x, top] == Colormap.viridis.rgb(0))
        XCTAssertEqual(img.width, SpectrogramImage.left + 30 + SpectrogramImage.right)
        XCTAssertEqual(img.height, SpectrogramImage.top + 16 + SpectrogramImage.bottom)
    }

    /// Ticks sit where the axes say: 0 s at the first frame's column, 0.5 s 50 frames later, and
    /// 4 kHz at bin 256 of a 513-bin linear STFT; labels put ink in the margins.
    func testTicksAndLabels() throws {
        let stft = try STFT()
        let mag = try stft.magnitude(tone(1000, seconds: 1, rate: 16000))
        var image = SpectrogramImage(stft: stft, sampleRate: 16000)
        image.pixelsPerBin = 1
        let img = try image.render(mag)
        let plotX = SpectrogramImage.left, plotY = SpectrogramImage.top, plotH = 513
        let axisY = plotY + plotH + 1
        XCTAssertTrue(isInk(img[plotX, axisY + 1]), "0 s tick")
        XCTAssertTrue(isInk(img[plotX + 50, axisY + 1]), "0.5 s tick")
        XCTAssertFalse(isInk(img[plotX + 25, axisY + 1]), "no tick at 0.25 s")
        let y4k = plotY + plotH - 1 - 256
        XCTAssertTrue(isInk(img[plotX - 3, y4k]), "4 kHz tick")
        XCTAssertFalse(isInk(img[plotX - 3, y4k - 20]))
        let inkLeft = (0..<img.height).reduce(0) { n, y in n + (0..<(plotX - 6)).filter { isInk(img[$0, y]) }.count }
        let inkBelow = (axisY + 4..<img.height).reduce(0) { n, y in n + (0..<img.width).filter { isInk(img[$0, y]) }.count }
        XCTAssertGreaterThan(inkLeft, 50)
        XCTAssertGreaterThan(inkBelow, 50)
        // The 1 kHz tone's row (bin 64) is the brightest colour in its middle frame.
        XCTAssertTrue(img[plotX + 50, plotY + plotH - 1 - 64] == Colormap.viridis.rgb(1))
    }

    func testHelpers() {
        XCTAssertEqual(SpectrogramImage.niceStep(minimum: 0.37), 0.5)
        XCTAssertEqual(SpectrogramImage.niceStep(minimum: 1000), 1000)
        XCTAssertEqual(SpectrogramImage.niceStep(minimum: 1300), 2000)
        XCTAssertEqual(SpectrogramImage.hzLabel(500), "500")
        XCTAssertEqual(SpectrogramImage.hzLabel(2000), "2k")
        XCTAssertEqual(SpectrogramImage.hzLabel(1500), "1.5k")
    }

    func testBadOptionsAreNamed() throws {
        var image = SpectrogramImage(frequencyAxis: .bins, secondsPerFrame: 0.01)
        image.pixelsPerFrame = 0
        XCTAssertThrowsError(try image.render(try Spectrogram(frames: 1, bins: 1, values: [0]))) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("pixelsPerFrame", "expected > 0, got 0"))
        }
    }
}
