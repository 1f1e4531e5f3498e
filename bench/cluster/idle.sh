#!/bin/sh
# bench/cluster: an idle instance that costs ~1 MB (no node): sleep replaces the shell.
exec sleep 100000
