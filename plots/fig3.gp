# fig3.gp - the paper's Figure 3 (right) on this CPU: energy for 512
# tokens per model size and format; modelled (solid bars, 7 nm table) and
# measured (hatched bars, only where an energy sampler was live).  Reads
# fig3.csv (size, format, modelled_j, measured_j).
fig = 'fig3'
load plots.'style.gp'
title_text = 'Figure 3: energy for 512 tokens, modelled (solid) and measured (hatched)'
nodata = nodata_fig3
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set title title_text
    set style data histogram
    set style histogram clustered gap 2
    set logscale y
    set ylabel 'J'
    set key outside right top box opaque
    plot for [i=1:words(formats)] 'fig3.csv' using (strcol(2) eq word(formats,i) ? $3 : NaN):xtic(1) fs solid 0.85 lc rgb fmt_color(word(formats,i)) t word(formats,i).' modelled', \
         for [i=1:words(formats)] 'fig3.csv' using (strcol(2) eq word(formats,i) ? $4 : NaN):xtic(1) fs pattern 4 lc rgb fmt_color(word(formats,i)) t word(formats,i).' measured'
}
