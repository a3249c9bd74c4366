-- wrk script: the seed's request to /api/s3/getPresignedUrl (POST, its JSON body), and one
-- SUMMARY line (label from BENCH_LABEL) with requests/s and latency percentiles. Used by
-- bench/api.sh and bench/events/api_while_webhooks.sh.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"fileName":"holiday-photo.jpg","fileType":"image/jpeg","fileSize":2483712,"folderName":"services"}'
done = function(summary, latency, requests)
  io.write(string.format("SUMMARY %s requests/s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d non2xx=%d\n",
    os.getenv("BENCH_LABEL") or "", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
