#!/usr/bin/env python3
"""Writes Sources/Metrics/PESQ/PESQTables.swift from the C sources of the `pesq` 0.0.4 sdist.

Fetches the sdist with pip (no build), reads the tables of pesqpar.h and pesqmain.h and prints float
tables as the exact float32 values (so Swift's Float literals round to the same bits) and double
tables as the C doubles. Run from the repository root: python3 scripts/reference/pesq_tables.py
"""
import glob
import os
import re
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

OUT = os.path.join("Sources", "Metrics", "PESQ", "PESQTables.swift")

with tempfile.TemporaryDirectory() as d:
    subprocess.run([sys.executable, "-m", "pip", "download", "pesq==0.0.4", "--no-deps", "--no-binary", "pesq",
                    "--no-build-isolation", "-d", d], check=True, capture_output=True)
    with tarfile.open(glob.glob(os.path.join(d, "pesq-0.0.4.tar.gz"))[0]) as t:
        src = t.extractfile("pesq-0.0.4/pesq/pesqpar.h").read().decode("latin-1")
        main = t.extractfile("pesq-0.0.4/pesq/pesqmain.h").read().decode("latin-1")


def arr(text, name):
    m = re.search(r'\b' + re.escape(name) + r'\s*\[[^\]]*\](?:\s*\[[^\]]*\])?\s*=\s*\{(.*?)\};', text, re.S)
    body = m.group(1).replace('{', ' ').replace('}', ' ')
    return [t.strip().rstrip('fF') for t in body.split(',') if t.strip()]
def floats(vals):  # float32 shortest repr, exact under Swift's literal conversion
    return [repr(float(np.float32(v))) if float(np.float32(v)) != 0 else '0' for v in vals]
def doubles(vals):
    return [repr(float(v)) for v in vals]
def fmt(vals, per=6, indent='        '):
    rows = [', '.join(vals[i:i+per]) for i in range(0, len(vals), per)]
    return (',\n' + indent).join(rows)
out = []
def emit(name, typ, vals, doc, per=6):
    out.append(f'    /// {doc}\n    static let {name}: [{typ}] = [\n        {fmt(vals, per)},\n    ]')
emit('inputIIR8k', 'Float', floats(arr(src, 'InIIR_Hsos_8k')), '`InIIR_Hsos_8k`: 8 biquads (b0 b1 b2 a1 a2), the input filter for alignment at 8 kHz.', 5)
emit('inputIIR16k', 'Float', floats(arr(src, 'InIIR_Hsos_16k')), '`InIIR_Hsos_16k`: 12 biquads, the input filter for alignment at 16 kHz.', 5)
emit('wideBandIIR8k', 'Float', floats(arr(main, 'WB_InIIR_Hsos_8k')), '`WB_InIIR_Hsos_8k`: the P.862.2 input high-pass (one biquad) at 8 kHz.', 5)
emit('wideBandIIR16k', 'Float', floats(arr(main, 'WB_InIIR_Hsos_16k')), '`WB_InIIR_Hsos_16k`: the P.862.2 input high-pass at 16 kHz.', 5)
for curve, doc in [('align_filter_dB', '`align_filter_dB`: (Hz, dB) points of the 300-3000 Hz band-pass used for level alignment.'),
                   ('standard_IRS_filter_dB', '`standard_IRS_filter_dB`: (Hz, dB) points of the modified IRS receive filter (narrow band).')]:
    v = doubles(arr(main, curve))
    pairs = [f'({v[i]}, {v[i+1]})' for i in range(0, len(v), 2)]
    camel = 'alignFilterDB' if curve.startswith('align') else 'irsFilterDB'
    out.append(f'    /// {doc}\n    static let {camel}: [(Double, Double)] = [\n        {fmt(pairs, 6)},\n    ]')
for rate in ['8k', '16k']:
    emit(f'bandsPerBark{rate}', 'Int', arr(src, f'nr_of_hz_bands_per_bark_band_{rate}'), f'`nr_of_hz_bands_per_bark_band_{rate}`: FFT bins summed into each Bark band.', 10)
    emit(f'centreBark{rate}', 'Double', doubles(arr(src, f'centre_of_band_bark_{rate}')), f'`centre_of_band_bark_{rate}`.')
    emit(f'widthBark{rate}', 'Double', doubles(arr(src, f'width_of_band_bark_{rate}')), f'`width_of_band_bark_{rate}`.')
    emit(f'powerDensityCorrection{rate}', 'Double', doubles(arr(src, f'pow_dens_correction_factor_{rate}')), f'`pow_dens_correction_factor_{rate}`.')
    emit(f'absoluteThreshold{rate}', 'Double', doubles(arr(src, f'abs_thresh_power_{rate}')), f'`abs_thresh_power_{rate}`: hearing threshold per Bark band.')
hdr = '''// Constant tables of the ITU-T P.862 reference code (pesqpar.h and pesqmain.h of the `pesq` 0.0.4
// sdist), written out by scripts/reference/pesq_tables.py so no digit was typed by hand. Float tables
// hold the float32 values the C code stores; the Double tables hold the C doubles.

/// The fixed tables of the PESQ reference implementation.
enum PESQTables {
'''
open(OUT, 'w').write(hdr + '\n\n'.join(out) + '\n}\n')
