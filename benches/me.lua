-- wrk script: an authenticated GET; the token comes from the environment.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LINLI_BENCH_TOKEN")
