-- wrk script: POST a demo login (every request verifies an Argon2id hash).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"phone":"13900000008","password":"linli-demo-2026"}'
