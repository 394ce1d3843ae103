// The live layer at once (snap/live/): reading a process from /proc and
// collecting its snapshots, as snapcollect does.
#pragma once

#include "snap/live/child_process.h"
#include "snap/live/clock.h"
#include "snap/live/collect.h"
#include "snap/live/output_dir.h"
#include "snap/live/pmap_x.h"
#include "snap/live/proc_error.h"
#include "snap/live/proc_reader.h"
#include "snap/live/replace_file.h"
#include "snap/live/process_watch.h"
#include "snap/live/safe_dir.h"
#include "snap/live/smaps_reader.h"
