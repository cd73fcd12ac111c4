#!/bin/sh
# Stands in for `java` in the launcher tests: prints and exits with status 3
# before ever saying "fdnode ready".
echo "fake java: cannot start ($*)"
exit 3
