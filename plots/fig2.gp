# fig2.gp - the paper's Figure 2 on this CPU: decode latency and memory
# against model size (billions of parameters, log x), one line per format.
# Measured points filled, extrapolated (--layers K) points open, a model
# that does not fit the memory budget an x at the bottom.  Reads fig2.csv
# (params_b, model, format, ms_per_token, ms_lo, ms_hi, memory_gb,
# extrapolated, does_not_fit), grouped by format.
fig = 'fig2'
load plots.'style.gp'
title_text = 'Figure 2: decode latency and memory against model size'
nodata = nodata_fig2
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set multiplot layout 1,2 title title_text
    set logscale x
    set logscale y
    set format y '%g'
    set xlabel 'model size (billions of parameters, log scale)'
    set y2range [0:1]
    unset y2tics
    set key top left opaque font ',9' spacing 1.1
    f(i) = word(e2e_formats,i)
    set ylabel 'decode latency (ms per token, log scale)'
    plot for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) ? $4 : NaN) w l lw 2 lc rgb fmt_color(f(i)) t f(i), \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $8 == 0 ? $4 : NaN):5:6 w yerrorbars pt 7 ps 0.9 lc rgb fmt_color(f(i)) notitle, \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $8 == 1 ? $4 : NaN) w p pt 7 ps 1.1 lc rgb '#ffffff' notitle, \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $8 == 1 ? $4 : NaN) w p pt 6 ps 1.1 lw 2 lc rgb fmt_color(f(i)) notitle, \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $9 == 1 ? 0.04 + 0.03 * i : NaN) axes x1y2 w p pt 2 ps 1.4 lw 2 lc rgb fmt_color(f(i)) notitle, \
         NaN w p pt 6 lw 2 lc rgb '#444444' t 'extrapolated', \
         NaN w p pt 2 lw 2 lc rgb '#444444' t 'does not fit'
    set ylabel 'memory: weights + KV cache (GB, log scale)'
    plot for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) ? $7 : NaN) w l lw 2 lc rgb fmt_color(f(i)) t f(i), \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $8 == 0 ? $7 : NaN) w p pt 7 ps 0.9 lc rgb fmt_color(f(i)) notitle, \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $8 == 1 ? $7 : NaN) w p pt 7 ps 1.1 lc rgb '#ffffff' notitle, \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $8 == 1 ? $7 : NaN) w p pt 6 ps 1.1 lw 2 lc rgb fmt_color(f(i)) notitle, \
         for [i=1:words(e2e_formats)] 'fig2.csv' using 1:(strcol(3) eq f(i) && $9 == 1 ? 0.04 + 0.03 * i : NaN) axes x1y2 w p pt 2 ps 1.4 lw 2 lc rgb fmt_color(f(i)) notitle
    unset multiplot
}
