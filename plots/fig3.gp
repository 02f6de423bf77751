# fig3.gp - the paper's Figure 3 (right) on this CPU: energy for 512
# tokens per model and format, from the energy model at 7 nm in two
# accountings: the paper's (matmul MACs: fp16 mul+add, int8 mul+add,
# ternary int8 add; solid bars) and what this CPU's kernels execute
# (every op of the decoder; hatched bars).  Measured energy (open bars)
# only where an energy sampler was live; else the figure says why.
# Reads fig3.csv (model, then per format: paper_j, cpu_j, measured_j).
fig = 'fig3'
load plots.'style.gp'
title_text = 'Figure 3: energy for 512 tokens (energy model, 7 nm)'
nodata = nodata_fig3
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    # title and the measured-energy note on lines of their own, above the plot
    set label 1 title_text at screen 0.4, screen 0.965 center
    set style data histogram
    set style histogram clustered gap 1
    set boxwidth 0.9
    set logscale y
    set format y '%g'
    set xlabel 'model'
    set ylabel 'joules for 512 tokens (log scale)'
    set key outside right top opaque font ',9'
    set rmargin 22
    set tmargin 5
    if (strlen(energy_measured_why) > 0) {
        # its own line between the title and the plot
        set label 2 energy_measured_why at screen 0.4, screen 0.925 center font ',9' textcolor rgb '#aa3333'
    }
    f(i) = word(e2e_formats,i)
    if (e2e_measured) {
        plot for [i=1:words(e2e_formats)] 'fig3.csv' using (column(3*i-1)):xtic(1) fs solid 0.85 border lc rgb '#333333' lc rgb fmt_color(f(i)) t f(i).' paper acct.', \
             for [i=1:words(e2e_formats)] 'fig3.csv' using (column(3*i)) fs pattern 2 border lc rgb '#333333' lc rgb fmt_color(f(i)) t f(i).' CPU ops', \
             for [i=1:words(e2e_formats)] 'fig3.csv' using (column(3*i+1)) fs empty border lc rgb fmt_color(f(i)) lc rgb fmt_color(f(i)) t f(i).' measured'
    } else {
        plot for [i=1:words(e2e_formats)] 'fig3.csv' using (column(3*i-1)):xtic(1) fs solid 0.85 border lc rgb '#333333' lc rgb fmt_color(f(i)) t f(i).' paper acct.', \
             for [i=1:words(e2e_formats)] 'fig3.csv' using (column(3*i)) fs pattern 2 border lc rgb '#333333' lc rgb fmt_color(f(i)) t f(i).' CPU ops'
    }
}
