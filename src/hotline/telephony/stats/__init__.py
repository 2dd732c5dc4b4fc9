"""Call statistics (呼叫统计) and the wallboard (实时监控大屏): figures by queue, seat, agent and
period computed from the calls' facts, read from an hourly rollup plus the raw calls the
rollup does not hold yet (see docs/call-statistics.md)."""
