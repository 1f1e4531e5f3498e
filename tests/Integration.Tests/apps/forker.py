# Forks children that sleep, up to 20, and says how many it got and why it stopped: a --pids-limit must stop it.
import os, sys, time
started = 0
why = "all forked"
for i in range(20):
    try:
        pid = os.fork()
    except OSError as e:
        why = f"fork failed: {e.strerror}"
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    started += 1
print(f"forked {started} of 20 ({why})", flush=True)
time.sleep(60)
