# SPDX-License-Identifier: Apache-2.0
# The libFuzzer targets (fuzz/fuzz_<name>.c) and what each links.  Read by
# fuzz/CMakeLists.txt (the fuzzers) and tests/CMakeLists.txt (the corpora
# replayed as ordinary tests).
set(CB_FUZZ_TARGETS check load validate_line http framing orders market_config market_envelope webhook mapping)
set(CB_FUZZ_LIBS_check           codebook_static)
set(CB_FUZZ_LIBS_load            codebook_static)
set(CB_FUZZ_LIBS_validate_line   codebook_static)
set(CB_FUZZ_LIBS_http            cb_svc_core)
set(CB_FUZZ_LIBS_framing         cb_svc_core)
set(CB_FUZZ_LIBS_orders          cb_orders)
set(CB_FUZZ_LIBS_market_config   cb_market)
set(CB_FUZZ_LIBS_market_envelope cb_market)
set(CB_FUZZ_LIBS_webhook         cb_orders)
set(CB_FUZZ_LIBS_mapping         codebook_static)
