#!/usr/bin/env bash
# Fetch the held-out photos: real colour photographs that the project never used for anything else,
# for judging attacks on images it has not seen. Fixtures/README.md lists their sources and licences.
#
# Idempotent: nothing is downloaded when every photo in HeldOut/ already has its SHA-256.
#   1. `apt-get download` each Debian package that holds a photo into .cache/heldout/ (the package is
#      not installed, so none of its dependencies come along); `apt-get update` runs first only when
#      a download fails;
#   2. extract each photo from its package with dpkg-deb and check its SHA-256 against the list below;
#   3. copy it, byte for byte, to HeldOut/PACKAGE__NAME (git-ignored).
# A checksum mismatch stops the script with the file, the package version and both checksums: a
# different release of the package ships a different file, and the set would no longer be the one
# the README's numbers were measured on.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/heldout"
OUT="$ROOT/HeldOut"

# package | path inside the package | name in HeldOut/ after "PACKAGE__" | SHA-256
PHOTOS=(
    "palapeli-data|usr/share/palapeli/collection/castle-maintenon.jpg|castle-maintenon.jpg|f4a6bf48b97d97715413f9ebd2d8744bd46df0e492bc8326e2513d51084f2612"
    "palapeli-data|usr/share/palapeli/collection/cincinnati-bridge.jpg|cincinnati-bridge.jpg|09772d09318b34a5c5edd58ee86ff462bcd2907006f31cc8e0704310f8e9ab60"
    "palapeli-data|usr/share/palapeli/collection/citrus-fruits.jpg|citrus-fruits.jpg|0cbd7154a14789803167c86705130d0358875198231269df168ea26224e70848"
    "palapeli-data|usr/share/palapeli/collection/european-honey-bee.jpg|european-honey-bee.jpg|9d54ae706bddd899c91b2b801d9ca4556a5a9a399b4043f9d539df62a8cb7f27"
    "kphotoalbum|usr/share/kphotoalbum/demo/pool.jpg|pool.jpg|c6b1c79236388d3a7608ce1b8702a613f3d62105e36dfebc1fce4efe16e42560"
    "kphotoalbum|usr/share/kphotoalbum/demo/skagen_2.jpg|skagen_2.jpg|17ca43c9fb3b60ad27c63e3a418bff2090999e96bd7a9c7f2c46fb58de899a72"
    "kphotoalbum|usr/share/kphotoalbum/demo/sunset.jpg|sunset.jpg|da4a44a03272bbaabc9aa384137f2531fe2a7c0075bc761be001c7b4d2eeb4ee"
    "kphotoalbum|usr/share/kphotoalbum/demo/grand_canyon_3.jpg|grand_canyon_3.jpg|923ba3a8d16993388f19686d333d70988f7baf4885865af1729f80bbbd02ffe7"
    "kphotoalbum|usr/share/kphotoalbum/demo/spiff.jpg|spiff.jpg|4d222fe255566ab7249db968d28aeed2c1ef5508ea79da870d7a5c5cfa290f78"
    "kphotoalbum|usr/share/kphotoalbum/demo/donna_2.jpg|donna_2.jpg|b476b81f11db406767598266f81cb8623204c8207f297e4abcf2055366794b5f"
    "kphotoalbum|usr/share/kphotoalbum/demo/bar55_2.jpg|bar55_2.jpg|e2a3ebc63306abf0a3ae898edd69fbc0a5cef16f28450ceb1d32c67c6f7b662a"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/apple.jpg|data-apple.jpg|e86879de3d9a807dedc742a8f464f39e6b74bbb531a1fba3583155d94997d1cd"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/baboon.jpg|data-baboon.jpg|1a1dd18d78eec44420af3b0b7f08ee3d41c982916cae3ce203d7ff35d754cc0f"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/board.jpg|data-board.jpg|4c9a24ba67138ad5486d550f586cc5dd1161be112f1c1bea336d6c550cdf255f"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/butterfly.jpg|data-butterfly.jpg|34a99716b78ded10eae87b4880de739d3e68cc7dd1a96812bb28f469d5eeaea8"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/chicky_512.png|data-chicky_512.png|4d2cf040de084fd3f34d5e3f96f1251faaa4787c1ac3b548fec5809a0d01854e"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/fruits.jpg|data-fruits.jpg|9c031d80a1c52da5eca790db896baffec6a7e52bf786cdb7bbfca5c7f880e6a1"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/home.jpg|data-home.jpg|23b8cf46a1965d0ec33459b875aed43187802834db49e0daa9fa2cc842e9d8d2"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg|data-licenseplate_motion.jpg|ea6fa9cea75df91bec656d1d3b903111a9c0708c6a3b88f405a5156de38ff9d6"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/orange.jpg|data-orange.jpg|152c20d2f380ac985de25e474e1a5f06ed34b932191342099b8272a63a15a079"
    "opencv-doc|usr/share/doc/opencv-doc/examples/data/squirrel_cls.jpg|data-squirrel_cls.jpg|20bb6e8ae96918a36c9886b6d48e54eedeb3948591e1485c206bc1dc60c8dc8b"
    "opencv-doc|usr/share/doc/opencv-doc/examples/dnn_superres/butterfly.png|dnn_superres-butterfly.png|1c50e61afddd60ebb3829d85187f4e46c9eb8fd8249237ddf0c8904a3286598d"
    "opencv-doc|usr/share/doc/opencv-doc/examples/alphamat/input_images/plant.jpg|alphamat-plant.jpg|9928b44eee0d1d7ab2ffd9d6d80bbbff962d6e85c7786de2cd3c97fe72229186"
    "opencv-doc|usr/share/doc/opencv-doc/examples/hfs/data/000.jpg|hfs-000.jpg|e4fec7e2e67a8a425b512dc32452825655b11c7fa83326ae509c5c7ab138da9a"
    "python3-sklearn|usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg|china.jpg|8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"
    "python3-sklearn|usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg|flower.jpg|a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"
    "python-matplotlib-data|usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg|grace_hopper.jpg|a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130"
)

say() { printf 'held-out: %s\n' "$*" >&2; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
has_sha256() { [[ -f "$1" && "$(sha256_of "$1")" == "$2" ]]; }

missing=()
for entry in "${PHOTOS[@]}"; do
    IFS='|' read -r package member name sha <<<"$entry"
    has_sha256 "$OUT/${package}__$name" "$sha" || missing+=("$entry")
done
if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#PHOTOS[@]} photos in HeldOut/ are present and verified"
    exit 0
fi

if ! command -v dpkg-deb >/dev/null || ! command -v apt-get >/dev/null; then
    echo "error: fetching the held-out photos needs apt-get and dpkg-deb (Debian or Ubuntu)" >&2
    exit 1
fi
mkdir -p "$CACHE" "$OUT"

# Prints the path of the cached .deb of package $1, or nothing.
cached_deb() { find "$CACHE" -maxdepth 1 -name "${1}_*.deb" -print -quit; }

updated=0
# Sets `deb` to the cached .deb of package $1, downloading it first when it is not cached.
fetch_deb() {
    deb="$(cached_deb "$1")"
    [ -n "$deb" ] && return
    say "downloading the Debian package $1"
    if ! (cd "$CACHE" && apt-get download -qq "$1" >/dev/null 2>&1); then
        if [ "$updated" = 0 ]; then
            local sudo=""
            [ "$(id -u)" -eq 0 ] || sudo="sudo"
            say "apt-get download $1 failed; running apt-get update and trying again"
            $sudo apt-get update -qq >&2
            updated=1
        fi
        if ! (cd "$CACHE" && apt-get download -qq "$1" >&2); then
            echo "error: apt-get download $1 failed; check that the Debian/Ubuntu archive is reachable" >&2
            exit 1
        fi
    fi
    deb="$(cached_deb "$1")"
}

# One pass over each package's archive (decompressing opencv-doc once per photo takes minutes).
packages=()
for entry in "${missing[@]}"; do
    IFS='|' read -r package _ <<<"$entry"
    [[ " ${packages[*]} " == *" $package "* ]] || packages+=("$package")
done
for package in "${packages[@]}"; do
    fetch_deb "$package"
    members=()
    for entry in "${missing[@]}"; do
        IFS='|' read -r p member _ <<<"$entry"
        [ "$p" = "$package" ] && members+=("./$member")
    done
    staging="$CACHE/extract-$package"
    rm -rf "$staging"
    mkdir -p "$staging"
    if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$staging" "${members[@]}"; then
        rm -rf "$staging"
        echo "error: $deb lacks some of ${members[*]}; delete it and run this script again" >&2
        exit 1
    fi
    for entry in "${missing[@]}"; do
        IFS='|' read -r p member name sha <<<"$entry"
        [ "$p" = "$package" ] || continue
        if ! has_sha256 "$staging/$member" "$sha"; then
            echo "error: $member in $(basename "$deb") has SHA-256 $(sha256_of "$staging/$member"), expected $sha." \
                "This release of $package ships a different file; the held-out set was taken from Debian 12." >&2
            rm -rf "$staging"
            exit 1
        fi
        cp "$staging/$member" "$OUT/${package}__$name.partial"
        mv "$OUT/${package}__$name.partial" "$OUT/${package}__$name"
        say "installed HeldOut/${package}__$name"
    done
    rm -rf "$staging"
done
say "all ${#PHOTOS[@]} photos in HeldOut/ are present and verified"
