// Every emitter: what a report, a trend, a summary or a dump plan looks
// like as text, JSON, CSV or a gdb command file. The output layer: nothing
// below it includes these.
#pragma once

#include "snap/emit/cells.h"
#include "snap/emit/diff.h"
#include "snap/emit/gdb.h"
#include "snap/emit/html.h"
#include "snap/emit/nmt.h"
#include "snap/emit/openmetrics.h"
#include "snap/emit/options.h"
#include "snap/emit/summary.h"
#include "snap/emit/trend.h"
