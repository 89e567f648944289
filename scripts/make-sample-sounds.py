#!/usr/bin/env python3
"""Synthesises the sample project's sounds (samples/launch-teaser/audio/): a music bed and three
effects, made from sine waves and seeded noise, so they are ours to ship (CC0, see the folder's
LICENSE.md). Run it again to remake them; FFmpeg encodes the MP3 and the Ogg Vorbis file.

    python3 scripts/make-sample-sounds.py
"""
import math
import os
import struct
import subprocess
import tempfile
import wave

OUT = os.path.join(os.path.dirname(__file__), "..", "samples", "launch-teaser", "audio")


def write_wav(path, rate, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", max(-32767, min(32767, int(s * 32767)))) for s in samples))


def noise(seed):
    x = seed
    while True:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        yield x / 0x3FFFFFFF - 1.0


def note(freq):
    return 440.0 * 2 ** ((freq - 69) / 12)


def music(rate=44100, seconds=16.0):
    """Am – F – C – G, two seconds each, twice: a soft pad, a plucked bass on each beat and a
    hi-hat on the off-beats, at 120 beats a minute."""
    chords = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]
    hat = noise(7)
    out = []
    for i in range(int(rate * seconds)):
        t = i / rate
        chord = chords[int(t // 2) % 4]
        tc = t % 2.0
        pad_env = min(1.0, tc / 0.3) * min(1.0, (2.0 - tc) / 0.3)
        pad = sum(math.sin(2 * math.pi * note(n) * t) + 0.3 * math.sin(4 * math.pi * note(n) * t) for n in chord)
        tb = t % 0.5
        bass = math.sin(2 * math.pi * note(chord[0] - 12) * t) * math.exp(-tb * 6)
        th = (t + 0.25) % 0.5
        h = next(hat) * math.exp(-th * 60) if th < 0.08 else 0.0
        out.append(0.09 * pad * pad_env + 0.35 * bass + 0.12 * h)
    return rate, out


def whoosh(rate=48000, seconds=0.7):
    """Noise swept through a resonant filter, rising then falling."""
    n = noise(11)
    out, low, band = [], 0.0, 0.0
    for i in range(int(rate * seconds)):
        t = i / seconds / rate
        f = 300 + 3000 * math.sin(math.pi * t)
        k = 2 * math.sin(math.pi * f / rate)
        x = next(n)
        low += k * band
        band += k * (x - low - 0.3 * band)
        out.append(0.6 * band * math.sin(math.pi * t) ** 2)
    return rate, out


def tick(rate=44100, seconds=0.15):
    return rate, [0.6 * math.sin(2 * math.pi * 1500 * i / rate) * math.exp(-i / rate * 40) for i in range(int(rate * seconds))]


def chime(rate=48000, seconds=1.5):
    tones = [note(76), note(83), note(88)]
    return rate, [
        0.25 * sum(math.sin(2 * math.pi * f * i / rate) * math.exp(-i / rate * (2 + k)) for k, f in enumerate(tones))
        for i in range(int(rate * seconds))
    ]


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (rate, samples), target, args in [
            ("music", music(), "music.mp3", ["-c:a", "libmp3lame", "-b:a", "96k"]),
            ("tick", tick(), "tick.ogg", ["-c:a", "libvorbis", "-q:a", "4"]),
            ("whoosh", whoosh(), "whoosh.wav", None),
            ("chime", chime(), "chime.wav", None),
        ]:
            src = os.path.join(tmp, name + ".wav")
            write_wav(src, rate, samples)
            dest = os.path.join(OUT, target)
            if args is None:
                os.replace(src, dest)
            else:
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", src, *args, "-map_metadata", "-1", dest], check=True)
            print(dest, os.path.getsize(dest), "bytes")


if __name__ == "__main__":
    main()
