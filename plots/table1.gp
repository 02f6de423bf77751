# table1.gp - the paper's Table 1 on this CPU: decode latency (ms/token)
# and memory (GB) per model size, one bar per format.  Reads table1.csv
# (size, format, ms_per_token, memory_gb) exported from e2e cases.
fig = 'table1'
load plots.'style.gp'
title_text = 'Table 1: decode latency and memory per model size'
nodata = nodata_table1
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set multiplot layout 1,2 title title_text
    set style data histogram
    set style histogram clustered gap 2
    set style fill solid 0.85
    set key top left
    set ylabel 'ms per token'
    set yrange [0:*]
    plot for [i=1:words(formats)] 'table1.csv' using (strcol(2) eq word(formats,i) ? $3 : NaN):xtic(1) lc rgb fmt_color(word(formats,i)) t word(formats,i)
    set ylabel 'memory (GB)'
    plot for [i=1:words(formats)] 'table1.csv' using (strcol(2) eq word(formats,i) ? $4 : NaN):xtic(1) lc rgb fmt_color(word(formats,i)) t word(formats,i)
    unset multiplot
}
