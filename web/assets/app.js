// gongkai web UI: small progressive enhancements. Every page works without
// this file; it only adds confirmations, double-submit protection, the
// print button, a warning before leaving an edited form and the channel's
// receipt date on the application form.
(function () {
  'use strict';

  var dirty = false;

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      e.preventDefault();
      return;
    }
    if (form.getAttribute('data-submitting') === '1') {
      e.preventDefault(); // a second click while the first is on its way
      return;
    }
    form.setAttribute('data-submitting', '1');
    if (form.hasAttribute('data-dirty-warn')) {
      dirty = false;
    }
    // Disable the buttons after the browser has collected the form data,
    // so the pressed button's name and value are still sent.
    window.setTimeout(function () {
      var buttons = form.querySelectorAll('button[type="submit"], button:not([type])');
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].disabled = true;
        buttons[i].classList.add('busy');
      }
    }, 0);
  });

  // Coming back with the browser's back button re-enables the forms.
  window.addEventListener('pageshow', function () {
    var forms = document.querySelectorAll('form[data-submitting]');
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute('data-submitting');
      var buttons = forms[i].querySelectorAll('button');
      for (var j = 0; j < buttons.length; j++) {
        buttons[j].disabled = false;
        buttons[j].classList.remove('busy');
      }
    }
  });

  document.addEventListener('click', function (e) {
    var el = e.target.closest ? e.target.closest('[data-print]') : null;
    if (el) {
      e.preventDefault();
      window.print();
    }
  });

  var editors = document.querySelectorAll('form[data-dirty-warn]');
  for (var i = 0; i < editors.length; i++) {
    editors[i].addEventListener('input', function () { dirty = true; });
  }
  window.addEventListener('beforeunload', function (e) {
    if (dirty) {
      e.preventDefault();
      e.returnValue = '';
    }
  });

  // The registration form asks only the date Art.31 makes the receipt
  // date for the chosen channel (without this script all three show).
  var channel = document.querySelector('select[data-channel-select]');
  if (channel) {
    var syncChannel = function () {
      var opt = channel.options[channel.selectedIndex];
      var field = opt ? opt.getAttribute('data-date-field') : '';
      var dates = document.querySelectorAll('[data-channel-date]');
      for (var d = 0; d < dates.length; d++) {
        var show = dates[d].getAttribute('data-channel-date') === field;
        dates[d].hidden = !show;
        var input = dates[d].querySelector('input');
        if (input) { input.required = show; }
      }
    };
    channel.addEventListener('change', syncChannel);
    syncChannel();
  }

  // Opening "办理" puts the cursor in the first comment box.
  var acts = document.querySelectorAll('details.act');
  for (var k = 0; k < acts.length; k++) {
    acts[k].addEventListener('toggle', function (e) {
      var d = e.target;
      if (d.open) {
        var ta = d.querySelector('textarea');
        if (ta) { ta.focus(); }
      }
    });
  }
})();
