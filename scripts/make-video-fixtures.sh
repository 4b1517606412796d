#!/usr/bin/env bash
# Makes the simulator's video fixtures (local/src/simulator/fixtures/): small real MP4 files
# with an audio track, H.264 (yuv420p) + AAC, `+faststart`, for each Veo duration (4, 6, 8 s)
# and aspect ratio (16:9 = 1280x720, 9:16 = 720x1280), at a low bitrate so each stays small.
# ffmpeg comes from a throwaway venv with imageio-ffmpeg (a static binary from PyPI), unless
# FFMPEG names one. Re-running rewrites the files (the bytes may differ between ffmpeg builds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/local/src/simulator/fixtures"
mkdir -p "$OUT"
if [[ -z "${FFMPEG:-}" ]]; then
  VENV="${TMPDIR:-/tmp}/vn-ffmpeg-venv"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q imageio-ffmpeg
  FFMPEG="$("$VENV/bin/python" -c 'import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())')"
fi
for d in 4 6 8; do
  for a in 16x9:1280x720 9x16:720x1280; do
    name="${a%%:*}"; size="${a#*:}"
    "$FFMPEG" -hide_banner -loglevel error -y \
      -f lavfi -i "testsrc2=size=${size}:rate=12:duration=${d}" \
      -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=${d}" \
      -c:v libx264 -pix_fmt yuv420p -preset veryfast -b:v 120k -maxrate 150k -bufsize 300k \
      -c:a aac -b:a 24k -ac 1 -shortest -movflags +faststart -map_metadata -1 \
      "$OUT/veo-${d}s-${name}.mp4"
  done
done
ls -l "$OUT"
