#!/usr/bin/env bash
# The first GPU's name as a file-name stem (spaces to underscores, e.g. NVIDIA_H200); "gpu" when
# nvidia-smi cannot tell.
name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '_')
echo "${name:-gpu}"
