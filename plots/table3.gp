# table3.gp - the paper's Table 3 on this CPU: decode throughput (tokens/s,
# median with its 95% CI) against batch size, one line per format, for one
# model (the largest with a --max-batch case); the largest batch that fits
# the memory budget is ringed.  Reads table3.csv (format, model, batch,
# tokens_per_s, lo, hi, max_batch).
fig = 'table3'
load plots.'style.gp'
nodata = nodata_table3
title_text = 'Table 3: throughput against batch size'
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set title title_text.', model '.table3_model noenhanced
    set logscale x 2
    set logscale y
    set format y '%g'
    set xlabel 'batch (sequences decoded together, log scale)'
    set ylabel 'decode tokens/s (log scale; median, 95% CI)'
    set key top left opaque
    f(i) = word(e2e_formats,i)
    plot for [i=1:words(e2e_formats)] 'table3.csv' using 3:(strcol(1) eq f(i) ? $4 : NaN):5:6 w yerrorlines pt 7 lw 2 lc rgb fmt_color(f(i)) t f(i), \
         for [i=1:words(e2e_formats)] 'table3.csv' using 3:(strcol(1) eq f(i) && $7 == 1 ? $4 : NaN) w p pt 6 ps 2.5 lw 2 lc rgb fmt_color(f(i)) notitle, \
         NaN w p pt 6 ps 2 lw 2 lc rgb '#444444' t 'largest batch in the memory budget'
}
