#!/bin/bash
. "$(dirname "$0")/../standin/report.sh"
