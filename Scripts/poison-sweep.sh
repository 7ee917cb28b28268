#!/usr/bin/env bash
# Train on clean and poisoned Fashion-MNIST, without sanitation and with each codec at several
# qualities, and write one table of clean-test accuracy per (poison, codec, quality).
#
#   Scripts/poison-sweep.sh [OUT_DIR]            (default: results/poison-sweep)
#
# Environment knobs (defaults in brackets):
#   SANITIZE   the executable            [.build/release/sanitize]
#   EPOCHS     epochs of every run       [4]  (the same for every run, as the protocol asks)
#   SEED       training seed             [0]
#   EPS        poison budget, 8-bit levels [8]
#   POISONS    poisons to sweep          ["none adversarial unlearnable"]
#   CODECS     codec settings            ["none jpeg:10 jpeg:30 jpeg:50 jpeg:75 webp:10 webp:50 jpeg2000:50 jpeg2000:20"]
#   POISON_ARGS extra arguments for `sanitize poison` (e.g. "--limit 10000")
#   TRAIN_ARGS  extra arguments for `sanitize train`
#
# Output: OUT_DIR/poison-sweep.csv with the header
#   poison,eps,codec,quality,epochs,seed,test_accuracy,test_accuracy_best,train_accuracy,seconds
# (eps is 0 for the clean set) where test_accuracy is the clean-test accuracy after the last epoch. Each row is appended
# only after its run finished; re-running skips rows already present (resume after a kill).
set -euo pipefail

OUT=${1:-results/poison-sweep}
SANITIZE=${SANITIZE:-.build/release/sanitize}
EPOCHS=${EPOCHS:-4}
SEED=${SEED:-0}
EPS=${EPS:-8}
POISONS=${POISONS:-"none adversarial unlearnable"}
CODECS=${CODECS:-"none jpeg:10 jpeg:30 jpeg:50 jpeg:75 webp:10 webp:50 jpeg2000:50 jpeg2000:20"}
POISON_ARGS=${POISON_ARGS:-}
TRAIN_ARGS=${TRAIN_ARGS:-}

[[ -x "$SANITIZE" ]] || { echo "error: $SANITIZE not found; run: swift build -c release" >&2; exit 1; }
mkdir -p "$OUT/sets" "$OUT/logs" "$OUT/models"
TABLE="$OUT/poison-sweep.csv"
HEADER="poison,eps,codec,quality,epochs,seed,test_accuracy,test_accuracy_best,train_accuracy,seconds"
if [[ -f "$TABLE" ]]; then
    [[ "$(head -n 1 "$TABLE")" == "$HEADER" ]] || { echo "error: $TABLE has a different header; move it away" >&2; exit 1; }
else
    echo "$HEADER" > "$TABLE"
fi

for poison in $POISONS; do
    train_dir=()
    poison_eps=0
    if [[ "$poison" != none ]]; then
        set_dir="$OUT/sets/$poison-eps$EPS"
        if [[ ! -f "$set_dir/train-labels-idx1-ubyte.gz" ]]; then
            echo "== crafting $poison (eps $EPS)" >&2
            # shellcheck disable=SC2086
            "$SANITIZE" poison --dataset fashion-mnist --method "$poison" --eps "$EPS" --seed "$SEED" \
                --output "$set_dir" $POISON_ARGS
        fi
        train_dir=(--train-dir "$set_dir")
        poison_eps=$EPS
    fi
    for setting in $CODECS; do
        codec=${setting%%:*}
        quality=0
        [[ "$setting" == *:* ]] && quality=${setting#*:}
        if grep -q "^$poison,$poison_eps,$codec,$quality,$EPOCHS,$SEED," "$TABLE"; then
            echo "== skip $poison $setting (done)" >&2
            continue
        fi
        name="$poison-eps$poison_eps-${codec}_$quality"
        echo "== train $poison $setting" >&2
        codec_args=()
        [[ "$codec" != none ]] && codec_args=(--codec "$setting")
        # shellcheck disable=SC2086
        "$SANITIZE" train --dataset fashion-mnist "${train_dir[@]}" "${codec_args[@]}" \
            --epochs "$EPOCHS" --seed "$SEED" \
            --output "$OUT/models/$name.safetensors" --log "$OUT/logs/$name.csv" $TRAIN_ARGS
        # Last epoch's clean-test accuracy, the best epoch's, last train accuracy, total seconds.
        row=$(awk -F, 'NR > 1 { last = $4; if ($4 > best) best = $4; train = $3; secs += $6 }
                       END { printf "%s,%s,%s,%.1f", last, best, train, secs }' "$OUT/logs/$name.csv")
        echo "$poison,$poison_eps,$codec,$quality,$EPOCHS,$SEED,$row" >> "$TABLE"
    done
done
echo "wrote $TABLE" >&2
column -s, -t < "$TABLE"
