# Prints the .wast files of the folder given, one per line, sorted.
import os
import sys

for name in sorted(os.listdir(sys.argv[1])):
    if name.endswith('.wast'):
        print(name)
