import CEbur128
import CKissFFT
import CLua
import CLuaShim
import COpenBLAS
import CPNG
import CSndFile
import CSoxr
import Foundation
import XCTest

/// Each system library links and answers a known question.
final class SystemLibrariesTests: XCTestCase {
    func testLuaEvaluates() {
        let L = luaL_newstate()!
        defer { lua_close(L) }
        luaL_openlibs(L)
        XCTAssertEqual(foley_luaL_dostring(L, "return 1+1"), LUA_OK)
        XCTAssertEqual(foley_lua_tointeger(L, -1), 2)
    }

    func testCblasMultipliesKnown2x2() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
    }

    func testSndfileWritesAndReadsBackWav() throws {
        let path = NSTemporaryDirectory() + "foley-sf-\(getpid()).wav"
        defer { unlink(path) }
        var info = SF_INFO(frames: 0, samplerate: 16000, channels: 1,
                           format: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT), sections: 0, seekable: 0)
        let samples: [Float] = (0..<160).map { sin(Float($0) * 0.1) }
        let w = sf_open(path, Int32(SFM_WRITE), &info)
        XCTAssertNotNil(w)
        XCTAssertEqual(sf_write_float(w, samples, 160), 160)
        sf_close(w)
        var rinfo = SF_INFO()
        let r = sf_open(path, Int32(SFM_READ), &rinfo)
        XCTAssertNotNil(r)
        var back = [Float](repeating: 0, count: 160)
        XCTAssertEqual(sf_read_float(r, &back, 160), 160)
        sf_close(r)
        XCTAssertEqual(rinfo.samplerate, 16000)
        XCTAssertEqual(back, samples)
    }

    func testSoxrResamplesByTwo() {
        let input: [Float] = (0..<8000).map { sin(2 * .pi * 440 * Float($0) / 8000) }
        var output = [Float](repeating: 0, count: 16000)
        var done = 0
        let err = soxr_oneshot(8000, 16000, 1, input, 8000, nil, &output, 16000, &done, nil, nil, nil)
        XCTAssertNil(err)
        XCTAssertEqual(done, 16000)
        // A 440 Hz tone keeps its level after resampling (RMS of a unit sine is 1/sqrt(2)).
        let rms = sqrt(output[2000..<14000].map { $0 * $0 }.reduce(0, +) / 12000)
        XCTAssertEqual(rms, 1 / sqrt(2), accuracy: 0.01)
    }

    func testKissFFTTransformsImpulseToFlatSpectrum() {
        let n: Int32 = 16
        let cfg = kiss_fftr_alloc(n, 0, nil, nil)!
        defer { free(UnsafeMutableRawPointer(cfg)) }  // kiss_fftr_free is a macro for free()
        var input = [Float](repeating: 0, count: 16)
        input[0] = 1
        var out = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: 9)
        kiss_fftr(cfg, input, &out)
        for bin in out {
            XCTAssertEqual(bin.r, 1, accuracy: 1e-6)
            XCTAssertEqual(bin.i, 0, accuracy: 1e-6)
        }
    }

    func testEbur128MeasuresFullScaleTone() {
        // A 1 kHz sine at 0 dBFS peak reads -3.01 LUFS in BS.1770 (the K-filter is ~0 dB at 1 kHz).
        let st = ebur128_init(1, 48000, Int32(EBUR128_MODE_I.rawValue))!
        var s: UnsafeMutablePointer<ebur128_state>? = st
        defer { ebur128_destroy(&s) }
        let tone: [Float] = (0..<48000 * 3).map { sin(2 * .pi * 1000 * Float($0) / 48000) }
        XCTAssertEqual(ebur128_add_frames_float(st, tone, tone.count), 0)
        var lufs = 0.0
        XCTAssertEqual(ebur128_loudness_global(st, &lufs), 0)
        XCTAssertEqual(lufs, -3.01, accuracy: 0.1)
    }

    func testPNGWritesAndReadsBack() throws {
        let path = NSTemporaryDirectory() + "foley-png-\(getpid()).png"
        defer { unlink(path) }
        let width: UInt32 = 3, height: UInt32 = 2
        var pixels: [UInt8] = (0..<Int(width * height * 3)).map { UInt8($0 * 10) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = width
        image.height = height
        image.format = UInt32(PNG_FORMAT_RGB)
        XCTAssertNotEqual(png_image_write_to_file(&image, path, 0, &pixels, 0, nil), 0)
        var read = png_image()
        read.version = UInt32(PNG_IMAGE_VERSION)
        XCTAssertNotEqual(png_image_begin_read_from_file(&read, path), 0)
        read.format = UInt32(PNG_FORMAT_RGB)
        var back = [UInt8](repeating: 0, count: Int(width * height * 3))
        XCTAssertNotEqual(png_image_finish_read(&read, nil, &back, 0, nil), 0)
        XCTAssertEqual(back, pixels)
    }
}

import CEdit

/// libedit's readline-compatible history answers.
final class EditLineTests: XCTestCase {
    func testHistoryRecordsLines() {
        using_history()
        XCTAssertEqual(add_history("print(1)"), 0)
        let entry = history_get(history_base + history_length - 1)
        XCTAssertEqual(entry.map { String(cString: $0.pointee.line) }, "print(1)")
    }
}
